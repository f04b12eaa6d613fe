# users.py: a tiny user store for this example (SQLite, werkzeug's password hashes).
# Your application has its own; twostep never sees these passwords.
import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass

from werkzeug.security import check_password_hash, generate_password_hash

DATABASE = os.environ.get("USERS_DB", "users.sqlite3")
# Checked against when the email is unknown, so that both answers take as long.
_NO_USER = generate_password_hash("no such user")


@dataclass(frozen=True)
class User:
    id: int
    email: str
    name: str


class EmailTaken(Exception):
    pass


def _connect() -> sqlite3.Connection:
    db = sqlite3.connect(DATABASE)
    db.execute(
        "CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
        " email TEXT NOT NULL UNIQUE COLLATE NOCASE, password TEXT NOT NULL)"
    )
    return db


def create_user(email: str, name: str, password: str) -> User:
    with closing(_connect()) as db, db:
        try:
            row = db.execute(
                "INSERT INTO users (email, name, password) VALUES (?, ?, ?) RETURNING id",
                (email, name, generate_password_hash(password)),
            ).fetchone()
        except sqlite3.IntegrityError:
            raise EmailTaken(email) from None
    return User(row[0], email, name)


def get_user(user_id: int) -> User | None:
    with closing(_connect()) as db:
        row = db.execute("SELECT id, email, name FROM users WHERE id = ?", (user_id,)).fetchone()
    return User(*row) if row else None


def check_password(email: str, password: str) -> User | None:
    with closing(_connect()) as db:
        row = db.execute(
            "SELECT id, email, name, password FROM users WHERE email = ?", (email,)
        ).fetchone()
    if row is None:
        check_password_hash(_NO_USER, password)
        return None
    return User(*row[:3]) if check_password_hash(row[3], password) else None
