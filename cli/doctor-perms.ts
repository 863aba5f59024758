// `aios doctor`'s judgement of one path's type, mode and owner, as a pure function of its stat, so
// the rules are tested without a disk. The rules follow from who trusts the path: the config, specs,
// policies and plugins decide what aios does as root (nobody else may be able to change them); the
// data dir, memory and snapshots hold copies of /etc (shadow included), so others must not read them.

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  /** Short name of the check ("config", "path:data dir", "memory", ...). */
  id: string;
  status: CheckStatus;
  message: string;
  /** What to do about a warn or fail. */
  fix?: string;
  /** More lines (every problem of a config or spec, each naming file:line). */
  details?: string[];
}

export type PathRole = 'input' | 'private';

export interface PathExpectation {
  /** "config file", "specs dir", ... */
  label: string;
  path: string;
  kind: 'file' | 'dir';
  /**
   * input: decides what aios does (config, specs, policies, plugins): only its owner may write it.
   * private: state (data dir, memory db, snapshots): only its owner (and group) may read it.
   */
  role: PathRole;
  /** Missing is a fail (needed to run) rather than a warn (made on first use). */
  required: boolean;
  /** Shown with a missing path. */
  missingFix?: string;
}

export interface StatFacts {
  isFile: boolean;
  isDirectory: boolean;
  mode: number;
  uid: number;
}

const octal = (mode: number) => (mode & 0o7777).toString(8).padStart(4, '0');

/** `viewerUid`: who runs doctor; a path owned by root or by them is trusted. */
export function judgePath(exp: PathExpectation, st: StatFacts | undefined, viewerUid: number): CheckResult {
  const id = `path:${exp.label}`;
  if (!st) {
    return {
      id,
      status: exp.required ? 'fail' : 'warn',
      message: `${exp.label} ${exp.path} does not exist`,
      fix: exp.missingFix ?? 'run `aios init`',
    };
  }
  const wantDir = exp.kind === 'dir';
  if (wantDir ? !st.isDirectory : !st.isFile) {
    return {
      id,
      status: 'fail',
      message: `${exp.label} ${exp.path} is not a ${wantDir ? 'directory' : 'regular file'}`,
      fix: `move it aside and run \`aios init\``,
    };
  }
  const mode = st.mode & 0o7777;
  const sticky = (mode & 0o1000) !== 0;
  if ((mode & 0o002) !== 0 && !(wantDir && sticky)) {
    return {
      id,
      status: 'fail',
      message: `${exp.label} ${exp.path} is world-writable (mode ${octal(mode)}): any user could change it`,
      fix: `chmod o-w ${exp.path}`,
    };
  }
  if (exp.role === 'input' && st.uid !== 0 && st.uid !== viewerUid) {
    return {
      id,
      status: 'fail',
      message: `${exp.label} ${exp.path} belongs to uid ${st.uid}: that user can change what aios does`,
      fix: `chown root ${exp.path}`,
    };
  }
  if (exp.role === 'input' && (mode & 0o020) !== 0) {
    return {
      id,
      status: 'warn',
      message: `${exp.label} ${exp.path} is group-writable (mode ${octal(mode)}): every member of its group can change what aios does`,
      fix: `chmod g-w ${exp.path}`,
    };
  }
  if (exp.role === 'private' && (mode & 0o004) !== 0) {
    return {
      id,
      status: 'warn',
      message: `${exp.label} ${exp.path} is readable by every user (mode ${octal(mode)}); it holds copies of host files and history`,
      fix: `chmod o-rwx ${exp.path}`,
    };
  }
  return { id, status: 'ok', message: `${exp.label} ${exp.path} (${octal(mode)})` };
}

/** A config that holds an API key must not be readable by everyone. */
export function judgeConfigSecret(file: string, st: StatFacts, holdsKey: boolean): CheckResult | undefined {
  if (!holdsKey || (st.mode & 0o004) === 0) return undefined;
  return {
    id: 'path:config secret',
    status: 'warn',
    message: `${file} holds an api_key and is readable by every user (mode ${octal(st.mode)})`,
    fix: `move the key to the environment (OPENAI_API_KEY / ANTHROPIC_API_KEY, e.g. a systemd EnvironmentFile) or chmod o-r ${file}`,
  };
}
