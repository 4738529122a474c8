import { describe, expect, it } from 'vitest';
import { defineProvider } from './define-provider';
import { exampleDeclaration } from './example-declaration.testing';
import { parseJson, readResponse } from './network-call';
import { tokenSetFromResponse } from './oauth2';

const provider = defineProvider(exampleDeclaration());
const now = new Date('2026-12-01T10:00:00Z');

// Issue 11: Instagram-scoped ids are 17 digits, past 2^53; JSON.parse rounded them.
describe('parseJson and readResponse', () => {
  it('keep an integer too large for a number as its exact digits', async () => {
    const text = '{"user_id":17841400000000011,"expires_in":5183944,"code":190}';
    expect(parseJson(text)).toEqual({
      user_id: '17841400000000011',
      expires_in: 5183944,
      code: 190,
    });
    const response = await readResponse(
      new Response(text, { headers: { 'content-type': 'application/json' } }),
    );
    expect(response.body).toEqual({
      user_id: '17841400000000011',
      expires_in: 5183944,
      code: 190,
    });
  });

  it('leave floats and safe integers alone', () => {
    expect(parseJson('[1.5, -9007199254740991, 1e21]')).toEqual([1.5, -9007199254740991, 1e21]);
  });
});

describe('tokenSetFromResponse', () => {
  it('reads Instagram Login’s documented code exchange: wrapped in data, permissions as a string', () => {
    // https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/business-login
    const body = parseJson(
      '{"data":[{"access_token":"EAACEdEose0","user_id":"1020","permissions":"instagram_business_basic,instagram_business_manage_messages"}]}',
    );
    expect(tokenSetFromResponse(provider, body, now)).toMatchObject({
      accessToken: 'EAACEdEose0',
      subject: '1020',
      grantedScopes: ['instagram_business_basic', 'instagram_business_manage_messages'],
    });
  });

  it('reads the flat variant with a numeric user_id past 2^53 without losing a digit', () => {
    const body = parseJson(
      '{"access_token":"IGQV","user_id":17841400000000011,"permissions":"instagram_business_basic"}',
    );
    expect(tokenSetFromResponse(provider, body, now)).toMatchObject({
      subject: '17841400000000011',
      grantedScopes: ['instagram_business_basic'],
    });
  });

  it('keeps no subject from a number that already lost digits', () => {
    const set = tokenSetFromResponse(
      provider,
      { access_token: 'x', user_id: 17841400000000012 },
      now,
    );
    expect(set.subject).toBeUndefined();
  });
});
