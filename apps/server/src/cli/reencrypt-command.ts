import { systemClock } from '@tether/provider-sdk';
import type { TetherConfig } from '../config/tether-config';
import { countStaleRows, reencryptAll } from '../security/reencrypt';
import { describeDatabase, withDatabase } from './installation';

/**
 * Re-encrypts every stored token under the first configured key, saying first what it works
 * on, then how far it got against the total and how fast.
 */
export async function reencrypt(
  config: TetherConfig,
  out: (line: string) => void,
  options: { batchSize?: number } = {},
): Promise<void> {
  out(`Database:    ${describeDatabase(config)}`);
  out(`Data folder: ${config.dataDir}`);
  await withDatabase(config, async (em, cipher) => {
    const total = await countStaleRows(em, cipher);
    out(
      `${total} row(s) hold values under older keys; re-encrypting them under key ${cipher.currentKeyId}.`,
    );
    const started = systemClock.now().getTime();
    const rate = (rows: number) => {
      const seconds = (systemClock.now().getTime() - started) / 1000;
      return seconds > 0 ? Math.round(rows / seconds) : rows;
    };
    const report = await reencryptAll(em, cipher, {
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      onBatch: ({ rows }) => {
        const percent = total > 0 ? Math.min(100, Math.floor((rows / total) * 100)) : 100;
        out(`re-encrypted ${rows} of ${total} rows (${percent}%, ${rate(rows)} rows/s)`);
      },
    });
    out(`Done: ${report.values} values in ${report.rows} rows now use key ${cipher.currentKeyId}.`);
  });
}
