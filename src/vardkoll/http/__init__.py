"""Layer package: http, what the interfaces share (see docs/explanation/architecture.md).

The request context and its dependency (``CtxDep``), the problem-details envelope, the one error
handler, the security middleware, the UI languages and the application factory that assembles
the pages (``vardkoll.web``) and the API (``vardkoll.api``), which never import each other.
"""
