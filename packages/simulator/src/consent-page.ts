import type { SimulatedPerson } from './model';

function escape(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The simulator's consent page: pick who signs in, which permissions to grant, allow or deny. */
export function consentPage(
  networkName: string,
  people: readonly SimulatedPerson[],
  scopes: readonly string[],
  fields: Readonly<Record<string, string>>,
): string {
  const hidden = Object.entries(fields)
    .filter(([name]) => !['decision', 'person', 'granted_scopes'].includes(name))
    .map(([name, value]) => `<input type="hidden" name="${escape(name)}" value="${escape(value)}">`)
    .join('\n      ');
  const peopleChoices = people
    .map(
      (person, index) =>
        `<label><input type="radio" name="person" value="${escape(person.id)}"${index === 0 ? ' checked' : ''}> ${escape(person.name)}${
          person.accounts.length
            ? ` <small>(${person.accounts.map((a) => escape(a.name)).join(', ')})</small>`
            : ' <small>(no accounts)</small>'
        }</label>`,
    )
    .join('<br>\n      ');
  const scopeList = scopes.map((scope) => `<li><code>${escape(scope)}</code></li>`).join('');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sandbox ${escape(networkName)}: allow access?</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}button{font-size:1rem;padding:.5rem 1rem;margin-right:.5rem}</style></head>
<body>
  <p><strong>Sandbox ${escape(networkName)}</strong>: a simulator, not the real network.</p>
  <h1>Allow the app to access your account?</h1>
  <form method="post">
      ${hidden}
      <fieldset><legend>Sign in as</legend>
      ${peopleChoices}
      </fieldset>
      <p>It asks for:</p><ul>${scopeList}</ul>
      <p><label>Permissions to grant (remove any to refuse them):<br>
        <input name="granted_scopes" size="60" value="${escape(scopes.join(' '))}"></label></p>
      <p>
        <button type="submit" name="decision" value="allow">Allow</button>
        <button type="submit" name="decision" value="deny">Cancel</button>
      </p>
  </form>
</body>
</html>`;
}
