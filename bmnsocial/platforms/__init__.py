"""Everything that talks to a platform: its rules for a post (``PlatformSpec``), its adapter,
the one HTTP layer, and the registry that finds them by short name (``registry``)."""
