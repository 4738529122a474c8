import { h, notice, replace } from '../dom';
import type { PageContext } from '../page';
import { client, describeProblem, signIn } from '../session';
import { signInPage } from './sign-in';

/**
 * Where a sign-in email's link lands: the token (in the fragment, which the browser never sends
 * to a server) is exchanged once for a key of the person, and the person is signed in. The
 * link's address is replaced at once, so the token stays out of the tab's history. A link that
 * does not work says why, above the ways to sign in.
 */
export async function signInLinkPage(
  context: PageContext,
  signedIn: () => void,
  token: string,
): Promise<void> {
  const { main, stale } = context;
  replace(main, h('h1', {}, 'Signing you in…'));
  history.replaceState(null, '', `${location.pathname}#/`);
  const { data, error } = await client().POST('/api/v1/sign-in-links/redeem', {
    body: { token },
  });
  if (stale()) return;
  if (data) {
    signIn(data.key);
    signedIn();
    return;
  }
  signInPage(context, signedIn);
  main
    .querySelector('h1')
    ?.after(
      notice(
        `This sign-in link does not work: ${describeProblem(error, 'it could not be used.')}`,
        'alert',
      ),
    );
}
