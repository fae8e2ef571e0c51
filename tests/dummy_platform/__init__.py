"""A platform that exists only in the test tree (tests/test_platform_contract.py)."""
