"""SNMPv3 users: pysnmp's USM and target rows, registered per (user, keys) and engine ID.

pysnmp keys USM users by user name, so two devices with the same user name and different
keys would make it delete and re-add the user on every request. Each distinct (user, keys)
pair gets a registration of its own at ``register``; once the device's snmpEngineID is known
(``discovery``), the user is registered for that engine ID, where pysnmp looks first. Pass
phrases are hashed once per (user, keys) (~10 ms each); per engine, keys are only localized.
Targets are registered up front with ``LCD.configure`` (pysnmp rebuilds its target lookup
table whenever one is added, so adding them lazily during a cycle is quadratic), and rows
are reference-counted so that ``release`` deletes those nobody uses any more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from collectors.client.entry import Entry
from collectors.client.pysnmp_api import LCD, CommunityData, UsmUserData, config, log
from collectors.snmp_types import SnmpCredentials
from inventory.choices import SnmpAuthProtocol, SnmpPrivProtocol, SnmpVersion

AUTH_PROTOCOLS: dict[SnmpAuthProtocol, Any] = {
    SnmpAuthProtocol.SHA: config.USM_AUTH_HMAC96_SHA,
    SnmpAuthProtocol.SHA224: config.USM_AUTH_HMAC128_SHA224,
    SnmpAuthProtocol.SHA256: config.USM_AUTH_HMAC192_SHA256,
    SnmpAuthProtocol.SHA384: config.USM_AUTH_HMAC256_SHA384,
    SnmpAuthProtocol.SHA512: config.USM_AUTH_HMAC384_SHA512,
}
PRIV_PROTOCOLS: dict[SnmpPrivProtocol, Any] = {
    SnmpPrivProtocol.NONE: config.USM_PRIV_NONE,
    SnmpPrivProtocol.AES128: config.USM_PRIV_CFB128_AES,
    # draft-blumenthal key extension, as net-snmp's "AES-256".
    SnmpPrivProtocol.AES256: config.USM_PRIV_CFB256_AES_BLUMENTHAL,
}


LCD_CACHE = "CommandGeneratorLcdConfigurator"


@dataclass
class Ref:
    """A pysnmp registration shared by targets, with how many use it."""

    value: Any  # the CommunityData / UsmUserData, or the target address row's name
    count: int = 0


class Registrations:
    """The pysnmp rows of one engine's v3 targets, shared and counted."""

    def __init__(self) -> None:
        self.auth: dict[tuple[Any, ...], Ref] = {}  # community / (user, keys) registrations
        # (user, engine ID, keys) registrations, and how many key sets each (user, engine ID)
        self.engine_users: dict[tuple[Any, ...], Ref] = {}
        self.key_sets: dict[tuple[Any, ...], int] = {}
        self.addr: dict[tuple[Any, ...], Ref] = {}  # LCD transport key → target address row
        self._next_index = 0

    def clear(self) -> None:
        self.auth.clear()
        self.engine_users.clear()
        self.key_sets.clear()
        self.addr.clear()

    def configure(self, engine: Any, entry: Entry, creds: SnmpCredentials, transport: Any) -> None:
        """Register this v3 target's user (under its placeholder engine) and address rows."""
        entry.transport = transport
        entry.address = tuple(transport.transport_address)[:2]
        entry.auth_key, auth = self.auth_for(creds)
        addr_name, params_name = LCD.configure(engine, auth, transport, b"")
        self.auth[entry.auth_key].count += 1
        entry.addr_key = (
            params_name,
            transport.TRANSPORT_DOMAIN,
            transport.transport_address,
            transport.timeout,
            transport.retries,
            transport.tagList,
            transport.iface,
        )
        addr = self.addr.setdefault(entry.addr_key, Ref(addr_name))
        addr.count += 1
        if not entry.v3:
            entry.auth = auth

    def auth_for(self, creds: SnmpCredentials) -> tuple[tuple[Any, ...], Any]:
        """The registration key and pysnmp auth object of these credentials (shared)."""
        if creds.version is SnmpVersion.V3:
            key: tuple[Any, ...] = (
                "usm",
                creds.username,
                creds.auth_protocol,
                creds.auth_key,
                creds.priv_protocol,
                creds.priv_key,
            )
        else:
            key = ("community", creds.community, creds.version)
        ref = self.auth.get(key)
        if ref is None:
            self._next_index += 1
            if creds.version is SnmpVersion.V3:
                # A registration of its own per (user, keys), under an engine ID no agent
                # has: pysnmp never uses it for a request (nor clones it for an unknown
                # engine), but the target's parameter rows exist before the first request.
                placeholder = b"\x80\x00\x00\x00\x05digicampus" + self._next_index.to_bytes(4)
                auth = self.placeholder_user(creds, placeholder)
            else:
                auth = CommunityData(
                    f"c{self._next_index}",
                    creds.community,
                    mpModel=0 if creds.version is SnmpVersion.V1 else 1,
                )
            ref = self.auth[key] = Ref(auth)
        return key, ref.value

    @staticmethod
    def placeholder_user(creds: SnmpCredentials, engine_id: bytes) -> Any:
        """The user with master keys: pass phrases are hashed (~10 ms each) only here."""
        assert creds.auth_protocol is not None and creds.auth_key is not None
        auth_protocol = AUTH_PROTOCOLS[creds.auth_protocol]
        priv_protocol = PRIV_PROTOCOLS[creds.priv_protocol]
        priv_key = None
        if creds.priv_protocol is not SnmpPrivProtocol.NONE:
            priv_key = config.PRIV_SERVICES[priv_protocol].hash_passphrase(
                auth_protocol, creds.priv_key
            )
        return UsmUserData(
            creds.username,
            authKey=config.AUTH_SERVICES[auth_protocol].hash_passphrase(creds.auth_key),
            privKey=priv_key,
            authProtocol=auth_protocol,
            privProtocol=priv_protocol,
            securityEngineId=engine_id,
            authKeyType=config.USM_KEY_TYPE_MASTER,
            privKeyType=config.USM_KEY_TYPE_MASTER,
        )

    @staticmethod
    def engine_user(placeholder: Any, engine_id: bytes) -> Any:
        """The same user and master keys for another engine ID (localizing is cheap)."""
        return UsmUserData(
            placeholder.userName,
            authKey=placeholder.authentication_key,
            privKey=getattr(placeholder, "privacy_key", None),
            authProtocol=placeholder.authentication_protocol,
            privProtocol=placeholder.privacy_protocol,
            securityEngineId=engine_id,
            authKeyType=config.USM_KEY_TYPE_MASTER,
            privKeyType=config.USM_KEY_TYPE_MASTER,
        )

    def release(self, engine: Any, entry: Entry) -> None:
        """Drop this entry's share of its pysnmp rows; delete the rows nobody uses."""
        lcd = engine.get_user_context(LCD_CACHE) or {}
        if entry.addr_key is not None:
            addr = self.addr[entry.addr_key]
            addr.count -= 1
            if addr.count == 0:
                del self.addr[entry.addr_key]
                config.delete_target_address(engine, addr.value)
                lcd.get("addr", {}).pop(entry.addr_key, None)
        if entry.engine_key is not None:
            self.release_engine_user(engine, entry.engine_key, lcd)
        if entry.auth_key is not None:
            self.release_user(engine, lcd, self.auth, entry.auth_key)

    def release_engine_user(self, engine: Any, key: tuple[Any, ...], lcd: dict[str, Any]) -> None:
        if self.release_user(engine, lcd, self.engine_users, key):
            self.key_sets[key[:2]] -= 1
            if not self.key_sets[key[:2]]:
                del self.key_sets[key[:2]]

    @staticmethod
    def release_user(
        engine: Any, lcd: dict[str, Any], table: dict[tuple[Any, ...], Ref], key: tuple[Any, ...]
    ) -> bool:
        """Drop one use of a user registration; True if that was the last and it is gone."""
        ref = table[key]
        ref.count -= 1
        if ref.count > 0:
            return False
        del table[key]
        auth = ref.value
        if isinstance(auth, CommunityData):
            config.delete_v1_system(engine, auth.communityIndex)
            lcd.get("auth", {}).pop(auth.communityIndex, None)
        else:
            config.delete_v3_user(engine, auth.userName, auth.securityEngineId)
            lcd.get("auth", {}).pop((auth.userName, auth.securityEngineId), None)
        return True

    def bind_engine(self, engine: Any, entry: Entry, engine_id: bytes) -> None:
        """Register this v3 target's user for the agent's engine ID (shared, refcounted)."""
        creds = entry.target.credentials
        assert creds is not None and entry.auth_key is not None
        key = (creds.username, engine_id, entry.auth_key)
        ref = self.engine_users.get(key)
        if ref is None:
            if self.key_sets.get(key[:2]):
                log.warning(
                    "device %s: SNMPv3 engine ID %s already known with user %r and other "
                    "keys; pysnmp holds one key set per (user, engine): it will re-key",
                    entry.target.key,
                    engine_id.hex(),
                    creds.username,
                )
            placeholder = self.auth[entry.auth_key].value
            ref = self.engine_users[key] = Ref(self.engine_user(placeholder, engine_id))
            self.key_sets[key[:2]] = self.key_sets.get(key[:2], 0) + 1
        LCD.configure(engine, ref.value, entry.transport, b"")
        ref.count += 1
        old, old_engine_id = entry.engine_key, entry.engine_id
        entry.engine_id, entry.engine_key, entry.auth = engine_id, key, ref.value
        if old is not None:
            self.release_engine_user(engine, old, engine.get_user_context(LCD_CACHE) or {})
        if old_engine_id is not None and old_engine_id != engine_id:
            self.forget_peer_engine(engine, entry)
        log.debug("device %s: SNMPv3 engine ID %s", entry.target.key, engine_id.hex())

    def forget_peer_engine(self, engine: Any, entry: Entry) -> None:
        """Drop pysnmp's cached engine ID of this address (kept 300 s, even when wrong)."""
        model = engine.message_processing_subsystems.get(3)
        cache = getattr(model, "_SnmpV3MessageProcessingModel__engineIdCache", {})
        cache.pop((entry.transport.TRANSPORT_DOMAIN, entry.address), None)
