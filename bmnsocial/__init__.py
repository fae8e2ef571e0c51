"""bmnsocial: plan, validate and publish the BMN's social media posts from YAML files."""

__version__ = "0.1.0"
