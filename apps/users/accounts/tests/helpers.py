def login(api, email, password, **extra):
    return api.post("/api/auth/login", {"email": email, "password": password}, format="json", **extra)


def bearer(access: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {access}"}
