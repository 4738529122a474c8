import { SDK_VERSION } from '@tether/provider-sdk';
import { coerce, satisfies, validRange } from 'semver';

const SDK = '@tether/provider-sdk';

/** The range of SDK versions that share this host's contract: its minor under 0.x, else its major. */
function compatibleWith(version: string): string {
  const parsed = coerce(version);
  if (!parsed) return version;
  return parsed.major === 0 ? `^0.${parsed.minor}.0` : `^${parsed.major}.0.0`;
}

/**
 * What stands between a plugin and this host's SDK, each with its fix: the `sdk` range the
 * declaration claims, the peer range its package declares, and the SDK copy it was defined with
 * (`definedWithSdk` as the package exported it, stamped by the copy its `defineProvider` came
 * from). Empty when they agree.
 */
export function sdkMismatches(
  packageName: string,
  declared: { readonly sdk: string; readonly definedWithSdk: string | undefined },
  peerRange: string | undefined,
  host: string = SDK_VERSION,
): string[] {
  const problems: string[] = [];
  const reinstall = `Install a version of '${packageName}' built for ${SDK} ${host}, or remove it from providers.`;
  if (!validRange(declared.sdk) || !satisfies(host, declared.sdk)) {
    problems.push(
      `its declaration says it works with ${SDK} ${declared.sdk}, but this Tether runs ${host}. ${reinstall}`,
    );
  }
  // `workspace:` ranges are a package of Tether's own workspace, linked to this very SDK.
  if (
    peerRange !== undefined &&
    !peerRange.startsWith('workspace:') &&
    (!validRange(peerRange) || !satisfies(host, peerRange))
  ) {
    problems.push(
      `its package.json asks for ${SDK} ${peerRange} (peerDependencies), but this Tether runs ${host}. ${reinstall}`,
    );
  }
  // A declaration exported without `defineProvider` carries no stamp: nothing to compare.
  const built = declared.definedWithSdk;
  if (built === undefined) return problems;
  if (validRange(declared.sdk) && coerce(built) && !satisfies(built, declared.sdk)) {
    problems.push(
      `it was defined with ${SDK} ${built}, outside the range its own declaration claims (${declared.sdk}): the package was built inconsistently. Its author should set 'sdk' to the range of the SDK it builds with.`,
    );
  } else if (coerce(built) && !satisfies(built, compatibleWith(host))) {
    problems.push(
      `it was defined with its own copy of ${SDK} ${built}, whose contract differs from this Tether's ${host} (${compatibleWith(host)}). ${reinstall}`,
    );
  }
  return problems;
}
