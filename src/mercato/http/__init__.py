"""The HTTP edge shared by every context's router: container, auth dependencies, problems, middleware."""
