import { Injectable } from '@nestjs/common';
import type { Connection, Grant } from '@tether/persistence';
import type { TokenSet } from '@tether/provider-sdk';
import { TokenCipher } from '../security/token-cipher';

/**
 * Puts tokens into rows and takes them out, encrypted with the row and column as associated
 * data. A refresh token is never replaced by an empty one.
 */
@Injectable()
export class TokenVault {
  constructor(private readonly cipher: TokenCipher) {}

  private seal(table: string, id: string, column: string, value: string): string {
    return this.cipher.encrypt(value, `${table}:${id}:${column}`);
  }

  private open(
    table: string,
    id: string,
    column: string,
    value: string | undefined,
  ): string | undefined {
    return value === undefined || value === null
      ? undefined
      : this.cipher.decrypt(value, `${table}:${id}:${column}`);
  }

  /**
   * Stores a grant's tokens as its next generation; keeps the stored refresh token when the new
   * set has none. Any refresh announced on the older tokens is settled by them.
   */
  storeGrantTokens(grant: Grant, tokens: TokenSet, now: Date): void {
    grant.tokenGeneration += 1;
    grant.refreshStartedAt = undefined;
    grant.accessToken = this.seal('grants', grant.id, 'access_token', tokens.accessToken);
    grant.accessTokenExpiresAt = tokens.accessTokenExpiresAt;
    if (tokens.refreshToken) {
      grant.refreshToken = this.seal('grants', grant.id, 'refresh_token', tokens.refreshToken);
      grant.refreshTokenExpiresAt = tokens.refreshTokenExpiresAt;
    }
    if (tokens.tokenSecret)
      grant.tokenSecret = this.seal('grants', grant.id, 'token_secret', tokens.tokenSecret);
    if (tokens.grantedScopes) grant.grantedScopes = JSON.stringify(tokens.grantedScopes);
    grant.updatedAt = now;
  }

  grantTokens(grant: Grant): TokenSet | undefined {
    const accessToken = this.open('grants', grant.id, 'access_token', grant.accessToken);
    if (accessToken === undefined) return undefined;
    const refreshToken = this.open('grants', grant.id, 'refresh_token', grant.refreshToken);
    const tokenSecret = this.open('grants', grant.id, 'token_secret', grant.tokenSecret);
    return {
      accessToken,
      ...(refreshToken !== undefined ? { refreshToken } : {}),
      ...(tokenSecret !== undefined ? { tokenSecret } : {}),
      ...(grant.accessTokenExpiresAt ? { accessTokenExpiresAt: grant.accessTokenExpiresAt } : {}),
      ...(grant.refreshTokenExpiresAt
        ? { refreshTokenExpiresAt: grant.refreshTokenExpiresAt }
        : {}),
      grantedScopes: JSON.parse(grant.grantedScopes) as string[],
    };
  }

  /**
   * What a token read serves of a grant: its access token, and its token secret where OAuth 1.0a
   * signs with one. The refresh token stays sealed.
   */
  grantAccessToken(
    grant: Pick<Grant, 'id' | 'accessToken' | 'tokenSecret'>,
  ): { accessToken: string; tokenSecret?: string } | undefined {
    const accessToken = this.open('grants', grant.id, 'access_token', grant.accessToken);
    if (accessToken === undefined) return undefined;
    const tokenSecret = this.open('grants', grant.id, 'token_secret', grant.tokenSecret);
    return tokenSecret === undefined ? { accessToken } : { accessToken, tokenSecret };
  }

  /** Stores an account-specific token (a Page token), or clears it. */
  storeConnectionToken(connection: Connection, tokens: TokenSet | undefined): void {
    connection.accessToken = tokens
      ? this.seal('connections', connection.id, 'access_token', tokens.accessToken)
      : undefined;
    connection.accessTokenExpiresAt = tokens?.accessTokenExpiresAt;
  }

  /** The connection's own token set, when it has one: what its health checks run with. */
  connectionTokens(connection: Connection): TokenSet | undefined {
    const accessToken = this.connectionToken(connection);
    if (accessToken === undefined) return undefined;
    return {
      accessToken,
      ...(connection.accessTokenExpiresAt
        ? { accessTokenExpiresAt: connection.accessTokenExpiresAt }
        : {}),
    };
  }

  connectionToken(connection: Pick<Connection, 'id' | 'accessToken'>): string | undefined {
    return this.open('connections', connection.id, 'access_token', connection.accessToken);
  }

  /** Encrypts a connect session's PKCE verifier or OAuth 1.0a request-token secret. */
  sealSessionSecret(sessionId: string, secret: string): string {
    return this.seal('connect_sessions', sessionId, 'verifier', secret);
  }

  openSessionSecret(sessionId: string, value: string): string {
    return this.cipher.decrypt(value, `connect_sessions:${sessionId}:verifier`);
  }

  /** Erases every token of a grant: a generation of its own, so no late save brings them back. */
  eraseGrant(grant: Grant, now: Date): void {
    grant.tokenGeneration += 1;
    grant.refreshStartedAt = undefined;
    grant.accessToken = undefined;
    grant.refreshToken = undefined;
    grant.tokenSecret = undefined;
    grant.updatedAt = now;
  }

  /** Re-encrypts a value under the newest key, when it was encrypted with an older one. */
  reseal(table: string, id: string, column: string, value: string | undefined): string | undefined {
    if (value === undefined || value === null || !this.cipher.isStale(value)) return undefined;
    return this.seal(table, id, column, this.cipher.decrypt(value, `${table}:${id}:${column}`));
  }
}
