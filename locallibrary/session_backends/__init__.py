"""Session engines of the site, named as Django names its own (django.contrib.sessions.backends)."""
