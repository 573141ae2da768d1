"""Server-rendered web pages (FastAPI + Jinja2)."""
