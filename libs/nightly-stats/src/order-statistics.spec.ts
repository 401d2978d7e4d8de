import { OrderStatistics, rankDistinct } from './order-statistics';

describe('rankDistinct and OrderStatistics', () => {
  it('rank negative, positive, signed-zero, tied and extreme values in numeric order', () => {
    const values = new Float64Array([3.5, -1e300, 0, -0, -2.25, 3.5, Number.MIN_VALUE, -Number.MIN_VALUE, Infinity, -Infinity, 1e300, -2.25]);
    const { distinct, rankOf } = rankDistinct(values);
    expect(Array.from(distinct)).toEqual([-Infinity, -1e300, -2.25, -Number.MIN_VALUE, 0, Number.MIN_VALUE, 3.5, 1e300, Infinity]);
    values.forEach((value, i) => expect(distinct[rankOf[i]]).toBe(value === 0 ? 0 : value));
  });

  it('selects the k-th smallest of what was added, across bucket boundaries', () => {
    const random = (() => { let a = 5; return () => ((a = (a * 1103515245 + 12345) % 2147483648) / 2147483648); })();
    const values = new Float64Array(5000).map(() => Math.round(random() * 3000) / 7 - 200);
    const { distinct, rankOf } = rankDistinct(values);
    const tree = new OrderStatistics(distinct);
    const added: number[] = [];
    for (let i = 0; i < values.length; i++) {
      tree.addAt(rankOf[i], 1);
      added.push(values[i]);
      if (i % 499 === 0 || i === values.length - 1) {
        const sorted = [...added].sort((a, b) => a - b);
        for (const k of [0, Math.floor(i / 3), Math.floor(i / 2), i]) expect(tree.select(k)).toBe(sorted[k]);
      }
    }
    expect(tree.size).toBe(values.length);
    expect(() => tree.select(values.length)).toThrow(RangeError);
  });
});
