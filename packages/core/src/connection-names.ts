/** An account an authorization yields, as far as naming it goes. */
export interface NamedAccount {
  /** The network's id of the account. */
  readonly id: string;
  /** Its own name at the network: the Page, board, channel, location or profile. */
  readonly name: string;
}

/** A connection of the workspace that already holds a name. */
export interface NameHolder {
  readonly name: string;
  /** The network it is on. */
  readonly provider: string;
}

/**
 * The names new connections get: the account's own name (`Acme Bakery`), which is what people
 * recognise in lists and emails. Where the workspace has that name already on another network,
 * the network's name is added (`Acme Bakery (Facebook Pages)`); where it would still be
 * ambiguous (two locations called alike, or the same name already on this network), the
 * network's account id is added too, which is stable and findable on the network.
 */
export function defaultConnectionNames(
  accounts: readonly NamedAccount[],
  network: { readonly id: string; readonly displayName: string },
  holders: readonly NameHolder[],
): string[] {
  const count = new Map<string, number>();
  for (const account of accounts) count.set(account.name, (count.get(account.name) ?? 0) + 1);
  const taken = new Set(holders.map((holder) => holder.name));
  return accounts.map((account) => {
    const sharedHere = count.get(account.name)! > 1;
    const sameNetwork = holders.some(
      (holder) => holder.name === account.name && holder.provider === network.id,
    );
    const withNetwork = `${account.name} (${network.displayName})`;
    const name =
      !sharedHere && !taken.has(account.name)
        ? account.name
        : !sharedHere && !sameNetwork && !taken.has(withNetwork)
          ? withNetwork
          : `${account.name} (${network.displayName}, ${account.id})`;
    taken.add(name);
    return name;
  });
}
