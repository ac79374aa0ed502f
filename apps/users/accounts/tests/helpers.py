def login(api, email, password, **extra):
    return api.post("/api/auth/login", {"email": email, "password": password}, format="json", **extra)
