"""The scan engine: a coordinator process that walks the evidence and writes the case,
worker processes that read, hash and analyse units of files (:mod:`.units`, plain data),
and the per-file pipeline they share (:mod:`.pipeline`)."""
