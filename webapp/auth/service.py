"""Accounts: authenticate, register consumers, create staff. No Flask here."""
from __future__ import annotations

from sqlmodel import Session, select

from webapp import audit
from webapp.auth.models import CONSUMER, District, User
from webapp.forms import FieldErrors

# Verifying against a real hash even for unknown users keeps response times alike (no user probing).
_DUMMY = User(username="-", role=CONSUMER, password_hash="")
_DUMMY.set_password("not-a-real-password")


def authenticate(session: Session, login: str, password: str) -> User | None:
    """The active user with this username or mobile number and password, else None."""
    login = login.strip().lower()
    user = session.exec(select(User).where(User.username == login)).first()
    if user is None:
        _DUMMY.check_password(password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


def register_consumer(session: Session, phone: str, display_name: str, password: str) -> User:
    """A new consumer account; the mobile number is the username."""
    if session.exec(select(User).where(User.username == phone)).first():
        raise FieldErrors({"phone": "taken"})
    user = User(username=phone, phone=phone, display_name=display_name or phone[-4:], role=CONSUMER)
    user.set_password(password)
    session.add(user)
    session.flush()
    audit.record(session, user, "user.register", user, after={"role": CONSUMER})
    return user


def create_user(session: Session, actor: User | None, *, username: str, display_name: str, role: str,
                password: str, district_id: int | None = None, phone: str | None = None) -> User:
    """A new account created by an admin (or the CLI, actor None)."""
    if session.exec(select(User).where(User.username == username)).first():
        raise FieldErrors({"username": "taken"})
    if district_id is not None and session.get(District, district_id) is None:
        raise FieldErrors({"district_id": "district"})
    user = User(username=username, display_name=display_name, role=role, district_id=district_id,
                phone=phone)
    user.set_password(password)
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.create", user,
                 after={"username": username, "role": role, "district_id": district_id})
    return user
