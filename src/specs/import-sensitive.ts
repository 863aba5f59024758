// Decides whether an imported file holds a secret, so its spec gets `sensitive = true` and its
// contents never reach stdout, a Change or memory (docs/decisions/170-import-writes-current-state.md).
// Pure: callers pass what they already observed; nothing here reads the file system.

export interface SensitiveVerdict {
  sensitive: boolean;
  /** Why, for the warning ("not world-readable (mode 0640)", "name looks like a key", ...). */
  reason?: string;
}

/** Base names (or patterns of them) that hold credentials on a Debian host. */
const SECRET_NAMES: RegExp[] = [
  /^g?shadow-?$/,
  /^\.?netrc$/,
  /^id_(rsa|dsa|ecdsa|ed25519)(_sk)?$/,
  /^ssh_host_.*_key$/,
  /\.(key|pem|p12|pfx|jks|keystore|kdbx)$/i,
  /secret/i,
  /passw(or)?d/i,
  /token/i,
  /credential/i,
  /^\.?pgpass$/,
  /^htpasswd$|^\.htpasswd$/,
];

/** Names that match a pattern above but are public by design. */
const PUBLIC_NAMES = new Set(['passwd', 'passwd-', 'group', 'group-']);

const PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/**
 * A regular file is sensitive when others cannot read it (0600, 0640: someone chose to hide it),
 * when its name says it holds a secret, or when its text holds a private key.
 */
export function classifySensitive(hostPath: string, mode: string, text?: string): SensitiveVerdict {
  const base = hostPath.slice(hostPath.lastIndexOf('/') + 1);
  const bits = Number.parseInt(mode, 8);
  if ((bits & 0o004) === 0) return { sensitive: true, reason: `not world-readable (mode ${mode})` };
  if (!PUBLIC_NAMES.has(base) && SECRET_NAMES.some((re) => re.test(base))) {
    return { sensitive: true, reason: `its name looks like a secret ("${base}")` };
  }
  if (text !== undefined && PRIVATE_KEY.test(text))
    return { sensitive: true, reason: 'it holds a private key' };
  return { sensitive: false };
}
