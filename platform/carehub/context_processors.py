def unit(request):
    """The unit whose portal this is, or None on the platform console."""
    tenant = getattr(request, "tenant", None)
    return {"unit": None if tenant is None or tenant.is_platform else tenant}
