"""GET /v2/auth/me the way the Python backend ttops replaces served it: FastAPI + uvicorn,
PyJWT, asyncpg. It is the peer in bench/me.mjs: same JWT secret, same database, same
checks (signature, expiry, token_version, license expiry), same JSON body.

Run (one worker process):
    JWT_SECRET=... DATABASE_URL=postgres://... \
    /usr/bin/python3 -m uvicorn fastapi_me:app --app-dir bench/peers \
        --host 127.0.0.1 --port 8001 --workers 1 --no-access-log --log-level warning
Debian packages: python3-fastapi python3-uvicorn python3-jwt python3-asyncpg.
"""
import asyncio.base_events
import os
import socket
from datetime import datetime, timezone
from typing import Optional

import asyncpg
import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel


def _set_nodelay(sock: socket.socket) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


# Workaround for Kludex/uvicorn#3149: with --workers N uvicorn binds its socket with proto 0,
# so asyncio never sets TCP_NODELAY on accepted connections and Nagle + delayed ACK add
# ~40 ms to every keep-alive request. One worker is unaffected; this keeps N workers fair.
asyncio.base_events._set_nodelay = _set_nodelay

JWT_SECRET = os.environ["JWT_SECRET"]
DATABASE_URL = os.environ["DATABASE_URL"]

app = FastAPI()
bearer = HTTPBearer(auto_error=False)


class Me(BaseModel):
    id: int
    username: Optional[str]
    voice_id: str
    tts_enabled: bool
    gift_sounds_enabled: bool
    tts_volume: int
    gifts_volume: int
    tiktok_username: Optional[str]
    plan: Optional[str]
    license_expires_at: str
    credits: int


@app.on_event("startup")
async def open_pool() -> None:
    # Same pool size as ttops' pg pool (10).
    app.state.pool = await asyncpg.create_pool(DATABASE_URL, min_size=10, max_size=10)


@app.on_event("shutdown")
async def close_pool() -> None:
    await app.state.pool.close()


def unauthorized(code: str) -> HTTPException:
    return HTTPException(status_code=401, detail={"code": code}, headers={"WWW-Authenticate": "Bearer"})


async def current_user(creds: Optional[HTTPAuthorizationCredentials] = Depends(bearer)) -> asyncpg.Record:
    if creds is None:
        raise unauthorized("token_missing")
    try:
        claims = jwt.decode(creds.credentials, JWT_SECRET, algorithms=["HS256"], options={"require": ["exp", "sub"]})
        user_id = int(claims["sub"])
    except (jwt.PyJWTError, ValueError):
        raise unauthorized("token_invalid")
    user = await app.state.pool.fetchrow("SELECT * FROM users WHERE id = $1", user_id)
    if user is None or user["token_version"] != claims.get("ver", 0):
        raise unauthorized("token_revoked")
    expires = user["license_expires_at"]
    if expires is None or expires <= datetime.now(timezone.utc):
        raise HTTPException(status_code=403, detail={"code": "license_expired"})
    return user


def iso_z(t: datetime) -> str:
    """The ISO form ttops answers with: UTC, milliseconds, `Z`."""
    return t.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@app.get("/v2/auth/me", response_model=Me)
async def me(user: asyncpg.Record = Depends(current_user)) -> Me:
    return Me(
        id=user["id"],
        username=user["username"],
        voice_id=user["voice_id"],
        tts_enabled=user["tts_enabled"],
        gift_sounds_enabled=user["gift_sounds_enabled"],
        tts_volume=user["tts_volume"],
        gifts_volume=user["gifts_volume"],
        tiktok_username=user["tiktok_username"],
        plan=user["plan"],
        license_expires_at=iso_z(user["license_expires_at"]),
        credits=user["credits"],
    )
