"""Does a configuration value look like a credential? Decided by Yelp's detect-secrets.

detect-secrets (pinned in requirements.txt) knows the formats of cloud keys, private keys, JWTs,
Slack/GitHub/GitLab/Stripe/npm/PyPI/OpenAI... tokens, credentials in URLs, and flags values
assigned to keys named like secrets (its KeywordDetector). Its generic high-entropy detectors are
left out by default: on configuration values (hashes, ids, base64 settings) they are mostly noise.

Only the detector's *type* ever leaves this module: never the value, a prefix or a hash of it.
The library is imported on first use, not at pack start.
"""
from __future__ import annotations

import re
import threading
from functools import cache, lru_cache
from typing import Any

FORMAT_PLUGINS = [
    "AWSKeyDetector", "ArtifactoryDetector", "AzureStorageKeyDetector", "BasicAuthDetector",
    "CloudantDetector", "DiscordBotTokenDetector", "GitHubTokenDetector", "GitLabTokenDetector",
    "IbmCloudIamDetector", "IbmCosHmacDetector", "JwtTokenDetector", "MailchimpDetector", "NpmDetector",
    "OpenAIDetector", "PrivateKeyDetector", "PypiTokenDetector", "SendGridDetector", "SlackDetector",
    "SoftlayerDetector", "SquareOAuthDetector", "StripeDetector", "TelegramBotTokenDetector",
    "TwilioKeyDetector",
]
KEYWORD_PLUGIN = "KeywordDetector"
ENTROPY_PLUGINS = ["Base64HighEntropyString", "HexHighEntropyString"]

# Values that point at a secret instead of holding one.
REFERENCE = re.compile(
    r"^(arn:aws[a-z-]*:(secretsmanager|ssm|kms):|\{\{resolve:|resolve:ssm|ssm:/|secretsmanager:|"
    r"\$\{(ssm|secretsmanager|aws):)", re.I)
# Keys that name where a secret lives rather than the secret itself.
REFERENCE_KEY = re.compile(r"(_|^)(ARN|NAME|PARAM|PARAMETER|PATH|ID|REF|KEY_ID|SECRET_ID|ENDPOINT|URL_PATH)$", re.I)
# The catalog's key pattern, used to decide whether a key "names a secret" (for messages and for
# keyword hits, which detect-secrets also needs a secret-like key for).
SECRET_KEY = re.compile(r"(?i)(pass(word|wd)?|secret|token|api[_-]?key|private[_-]?key|credential|"
                        r"conn(ection)?[_-]?str)")


MAX_SCANNED = 8192  # characters of one value given to the detectors (a 4096-bit PEM key is ~3.3 KB)

# detect-secrets keeps its configuration (and caches derived from it) in process-global state, and
# its scan_line changes that state on every call; the pack serves gRPC calls from several threads, so
# every scan holds this lock (the GIL already serialises the scans, so it costs no throughput). The
# configuration is made once, with every detector the pack may use; the entropy detectors' answers are
# dropped unless a policy asks for them.
_lock = threading.Lock()


@cache
def _configure() -> frozenset:
    """Configure detect-secrets once (under ``_lock``); the secret types of the entropy detectors."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.settings import cache_bust, configure_settings_from_baseline

    cache_bust()
    configure_settings_from_baseline(
        {"plugins_used": [{"name": p} for p in FORMAT_PLUGINS + [KEYWORD_PLUGIN] + ENTROPY_PLUGINS]})
    plugins: dict[str, Any] = get_mapping_from_secret_type_to_class()
    return frozenset(t for t, cls in plugins.items() if cls.__name__ in ENTROPY_PLUGINS)


@lru_cache(maxsize=2)
def _prefilter(entropy: bool) -> tuple | None:
    """Patterns of which a line must match one for any configured detector to report it, read from the
    detectors themselves: each regex detector's ``denylist`` (it reports only what those match), and
    the KeywordDetector's keywords (each of its patterns contains one, case-insensitively). None when a
    detector has no such patterns (the entropy detectors): then every line is scanned.

    Most configuration values match none of them, and then detect-secrets is not called at all: its
    per-plugin dispatch costs about 0.1 ms a line, the patterns a few microseconds. Exactness is tested
    (``tests/test_core.py``): with and without this filter, detection gives the same answer."""
    if entropy:
        return None
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.plugins import keyword
    from detect_secrets.plugins.base import RegexBasedDetector

    patterns: list = []
    plugins: dict[str, Any] = get_mapping_from_secret_type_to_class()
    for cls in plugins.values():
        if cls.__name__ not in FORMAT_PLUGINS:
            continue
        if not issubclass(cls, RegexBasedDetector):
            return None
        patterns.extend(cls().denylist)
    patterns.append(re.compile("|".join(keyword.DENYLIST), re.IGNORECASE))
    return tuple(patterns)


@lru_cache(maxsize=16384)  # the same values recur across a stack (one config, many functions)
def _scan(line: str, entropy: bool) -> tuple:
    from detect_secrets.core.scan import scan_line  # lazy: ~0.1 s to import

    prefilter = _prefilter(entropy)
    if prefilter is not None and not any(p.search(line) for p in prefilter):
        return ()
    with _lock:
        entropy_types = _configure()
        found = {s.type for s in scan_line(line)}
    return tuple(sorted(found if entropy else found - entropy_types))


def is_reference(value: str) -> bool:
    return bool(REFERENCE.match(value.strip()))


def detect(key: str, value, entropy: bool = False) -> list:
    """The kinds of credential that ``key = value`` looks like (empty when it looks like none).

    Non-string values (numbers, booleans, unknowns) and references to a secret store are not secrets.
    """
    if not isinstance(value, str) or not value.strip() or is_reference(value):
        return []
    value = value[:MAX_SCANNED]
    found = list(_scan(f'{key}="{value}"', entropy) if key else _scan(f'"{value}"', entropy))
    if "Secret Keyword" in found and (REFERENCE_KEY.search(key) or not SECRET_KEY.search(key)):
        found.remove("Secret Keyword")  # e.g. DB_PASSWORD_ARN, or a keyword hit on a harmless key
    return found


def names_a_secret(key: str) -> bool:
    return bool(SECRET_KEY.search(key)) and not REFERENCE_KEY.search(key)


HIDDEN = "[credential hidden]"
_WORD = re.compile(r"[^\s'\"`,;()\[\]{}<>]{12,}")


def hide_credentials(text: str) -> str:
    """``text`` with every word the detector recognises as a credential replaced by ``[credential hidden]``:
    for text a person reads that the pack did not write (a program's own error, an exemption reason, a
    settings error). Linear: each word is scanned once (and at most ``MAX_SCANNED`` characters of it)."""
    if not isinstance(text, str) or not text:
        return text
    return _WORD.sub(lambda m: HIDDEN if detect("", m.group(0)) or _keyed(m.group(0)) else m.group(0), text)


def _keyed(word: str) -> bool:
    """``password=hunter2-long`` / ``token:...``: a value under a key that names a secret."""
    key, sep, value = word.partition("=") if "=" in word else word.partition(":")
    return bool(sep) and len(value) >= 8 and bool(detect(key, value))
