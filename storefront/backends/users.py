"""Users: sign-in, registration, token rotation and the profile."""

from __future__ import annotations

from dataclasses import dataclass

from backends.http import BackendClient, BackendRejected


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    expires_in: int


@dataclass(frozen=True)
class Profile:
    id: str
    email: str
    first_name: str
    last_name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "ADMIN"

    @property
    def display_name(self) -> str:
        return self.first_name or self.email.split("@")[0]

    @classmethod
    def from_json(cls, data: dict) -> Profile:
        return cls(str(data["id"]), data["email"], data.get("first_name", ""), data.get("last_name", ""), data["role"])


class RateLimited(BackendRejected):
    @property
    def retry_after(self) -> int:
        try:
            return max(1, int(self.headers.get("Retry-After", "60")))
        except ValueError:
            return 60


class UsersClient(BackendClient):
    def __init__(self, *args, **kwargs):
        super().__init__("users", *args, **kwargs)

    def call(self, *args, **kwargs):
        try:
            return super().call(*args, **kwargs)
        except BackendRejected as exc:
            if exc.status == 429:
                raise RateLimited(exc.service, exc.status, exc.data, exc.headers) from exc
            raise

    def login(self, email: str, password: str, *, client_ip: str = "") -> TokenPair:
        headers = {"X-Forwarded-For": client_ip} if client_ip else None
        data = self.call("POST", "/api/auth/login", json={"email": email, "password": password}, headers=headers).data
        return TokenPair(data["access"], data["refresh"], int(data.get("expires_in", 900)))

    def register(self, *, email: str, password: str, first_name: str, last_name: str) -> Profile:
        body = {"email": email, "password": password, "first_name": first_name, "last_name": last_name}
        return Profile.from_json(self.call("POST", "/api/auth/register", json=body).data)

    def refresh(self, refresh: str) -> TokenPair:
        data = self.call("POST", "/api/auth/refresh", json={"refresh": refresh}).data
        return TokenPair(data["access"], data["refresh"], int(data.get("expires_in", 900)))

    def logout(self, refresh: str) -> None:
        self.call("POST", "/api/auth/logout", json={"refresh": refresh})

    def me(self, access: str) -> Profile:
        return Profile.from_json(self.call("GET", "/api/users/me", bearer=access).data)

    def update_me(self, access: str, *, first_name: str, last_name: str) -> Profile:
        body = {"first_name": first_name, "last_name": last_name}
        return Profile.from_json(self.call("PATCH", "/api/users/me", bearer=access, json=body).data)

    def change_password(self, access: str, *, old_password: str, new_password: str) -> None:
        body = {"old_password": old_password, "new_password": new_password}
        self.call("POST", "/api/users/me/password", bearer=access, json=body)
