"""Fake credentials and accounts the sandbox fakes accept by default.

They open nothing real; still, treat them like secrets so the code paths that
handle real ones are exercised the same way (never logged, never stored).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

__all__ = ["SANDBOX_ACCOUNTS", "SANDBOX_CREDENTIALS"]

_X_USER_ID = "1849311212000000001"
_FB_PAGE_ID = "100064512000001"

SANDBOX_CREDENTIALS: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        # Keys match tweepy.Client's keyword arguments.
        "x": MappingProxyType(
            {
                "consumer_key": "sandbox-x-consumer-key-not-a-real-one",
                "consumer_secret": "sandbox-x-consumer-secret-not-a-real-one",
                "access_token": "sandbox-x-access-token-not-a-real-one",
                "access_token_secret": "sandbox-x-access-token-secret-not-a-real-one",
                "bearer_token": "sandbox-x-oauth2-user-token-not-a-real-one",
            }
        ),
        "facebook": MappingProxyType(
            {
                "page_id": _FB_PAGE_ID,
                "page_access_token": "EAAFake-sandbox-page-token-not-a-real-one",
                "app_secret": "sandbox-facebook-app-secret-not-a-real-one",
                # What `accounts connect facebook --sandbox` takes besides the app secret: the
                # Meta app's id and a short-lived user token as the Graph API Explorer gives.
                "app_id": "1234567890123456",
                "user_access_token": "EAAFake-sandbox-user-token-not-a-real-one",
            }
        ),
    }
)

SANDBOX_ACCOUNTS: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        "x": MappingProxyType(
            {"user_id": _X_USER_ID, "username": "BMN_sandbox", "name": "BMN (sandbox)"}
        ),
        "facebook": MappingProxyType(
            {"page_id": _FB_PAGE_ID, "name": "Biblioteca Médica Nacional (sandbox)"}
        ),
    }
)
