import { describe, expect, it } from 'vitest';
import {
  asRecord,
  readArray,
  readBoolean,
  readInteger,
  readNumber,
  readRecord,
  readString,
  readText,
} from './json-fields';

describe('JSON field readers', () => {
  const body = {
    name: 'Rosa',
    empty: '',
    code: 190,
    ratio: 1.5,
    valid: false,
    data: { id: '1' },
    items: [1, 'two'],
  };

  it('read a field of the right type', () => {
    expect(readString(body, 'name')).toBe('Rosa');
    expect(readString(body, 'empty')).toBe('');
    expect(readText(body, 'name')).toBe('Rosa');
    expect(readInteger(body, 'code')).toBe(190);
    expect(readNumber(body, 'ratio')).toBe(1.5);
    expect(readBoolean(body, 'valid')).toBe(false);
    expect(readRecord(body, 'data')).toEqual({ id: '1' });
    expect(readArray(body, 'items')).toEqual([1, 'two']);
  });

  it('read a field of another type, or a missing one, as absent', () => {
    expect(readText(body, 'empty')).toBeUndefined();
    expect(readString(body, 'code')).toBeUndefined();
    expect(readInteger(body, 'ratio')).toBeUndefined();
    expect(readInteger(body, 'name')).toBeUndefined();
    expect(readNumber({ n: Number.NaN }, 'n')).toBeUndefined();
    expect(readBoolean(body, 'name')).toBeUndefined();
    expect(readRecord(body, 'items')).toBeUndefined();
    expect(readArray(body, 'data')).toEqual([]);
  });

  it('survive bodies of any shape', () => {
    for (const value of [null, undefined, 'text', 42, [], [{ name: 'x' }]]) {
      expect(asRecord(value)).toBeUndefined();
      expect(readString(value, 'name')).toBeUndefined();
      expect(readArray(value, 'name')).toEqual([]);
    }
  });
});
