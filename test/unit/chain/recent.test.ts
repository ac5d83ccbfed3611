import { describe, expect, it } from 'vitest';
import { RecentMap } from '../../../src/chain/recent.js';

describe('RecentMap', () => {
  it('forgets the least recently used entry beyond its capacity', () => {
    const map = new RecentMap<number>(2);
    map.set('a', 1);
    map.set('b', 2);
    expect(map.get('a')).toBe(1); // a is now fresher than b
    map.set('c', 3);
    expect(map.has('b')).toBe(false);
    expect(map.get('a')).toBe(1);
    expect(map.get('c')).toBe(3);
    map.delete('a');
    expect(map.has('a')).toBe(false);
  });

  it('refuses a capacity that cannot hold anything', () => {
    expect(() => new RecentMap(0)).toThrow(RangeError);
  });
});
