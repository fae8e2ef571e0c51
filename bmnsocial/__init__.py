"""bmnsocial: plan, validate and publish the BMN's Facebook and X posts from YAML files."""

__version__ = "0.1.0"
