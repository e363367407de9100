"""`injectq.utils`: the import paths injectq 0.5.0 had (see `injectq.utils.exceptions`)."""
