// The X simulator as a process of its own, shared by every server instance of a run, so its CPU
// is not the server's and the refresh tokens each instance spends are counted in one place.
// Started by the harness with an IPC channel: it answers `seed` (refresh tokens the simulator
// honours, as if it had issued them), `tokenCalls` (refresh calls per refresh token since the
// last `forget`) and `forget`.
import { server } from './server-modules.mjs';

const { startSimulator } = server('@tether/simulator');
const { simulation } = server('@tether/provider-twitter/simulator');

const simulator = await startSimulator(simulation);
const { engine } = simulator;
const person = engine.network.people[0];
const TOKEN_PATH = '/2/oauth2/token';

/** Makes `count` refresh tokens `<prefix><index>` valid, one grant each. */
function seed(prefix, count) {
  const now = engine.now();
  for (let index = 0; index < count; index += 1) {
    const grantId = `${prefix}grant-${index}`;
    engine.grants.set(grantId, {
      id: grantId,
      clientId: engine.client.clientId,
      person,
      scopes: ['tweet.read', 'users.read', 'offline.access'],
      authorizationParams: {},
      createdAt: now,
    });
    const value = `${prefix}${index}`;
    engine.tokens.set(value, { value, kind: 'refresh', grantId, issuedAt: now });
  }
}

/** Refresh-grant calls the token endpoint received, per refresh token, and how they ended. */
function tokenCalls() {
  const perToken = {};
  let failed = 0;
  for (const request of engine.requests) {
    if (!request.url.endsWith(TOKEN_PATH) || request.fields.grant_type !== 'refresh_token')
      continue;
    const token = request.fields.refresh_token ?? '';
    perToken[token] = (perToken[token] ?? 0) + 1;
    if (request.status !== 200) failed += 1;
  }
  return { perToken, failed };
}

process.on('message', (message) => {
  let reply;
  if (message.type === 'seed') {
    seed(message.prefix, message.count);
    reply = { seeded: message.count };
  } else if (message.type === 'tokenCalls') {
    reply = tokenCalls();
  } else if (message.type === 'forget') {
    engine.requests.length = 0;
    // Spent tokens stay spent; only the log (which grows with every request) is dropped.
    reply = {};
  }
  process.send({ id: message.id, ...reply });
});
process.on('disconnect', () => void simulator.close().then(() => process.exit(0)));
process.send({ type: 'ready', url: simulator.url });
