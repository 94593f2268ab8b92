/**
 * The words users and admins read about their jobs, Russian first, English second, in one
 * catalogue (the bot issue will move this into its own catalogue with the bot's texts).
 */

/** Message texts by situation. */
export const TEXTS = {
  started: (count: number) => `🎬 Генерация началась: ${count} видео. Пришлём каждое, как только оно будет готово.\nGeneration started: ${count} video(s). Each one arrives here when it is ready.`,
  finished: (url: string) => `✅ Видео готово / Your video is ready:\n${url}`,
  refusedByPolicy: () =>
    '⚠️ Видео не создано: фото или текст нарушают правила генерации (люди на фото, NSFW). Кредит возвращён.\nThe video was not made: the photo or text breaks the generation rules (people in photos, NSFW). The credit is refunded.',
  failed: () => '❌ Видео не удалось создать. Кредит возвращён.\nThe video could not be made. The credit is refunded.',
  adminJobFailed: (jobId: number, code: string) => `🚨 ttops: job ${jobId} failed permanently (${code}); the user was refunded.`,
} as const;
