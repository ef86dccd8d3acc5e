"""Authentication engines: client certificates and CSRs (``x509``), OIDC (``oidc``), the
API server's authentication flags (``apiserver``)."""
