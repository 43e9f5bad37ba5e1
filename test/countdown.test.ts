import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.js';
import {
  checkSolution,
  COUNTDOWN_ALPHABET,
  formatPrompt,
  formatSolution,
  generateProblem,
  generateSet,
  maxPromptLength,
  maxSolutionLength,
  parseCountdownJsonl,
  parsePrompt,
  solve,
  type CountdownProblem,
} from '../src/tasks/countdown.js';

const FIXTURE = new URL('./fixtures/countdown/sample.jsonl', import.meta.url);

describe('countdown generator', () => {
  it('is deterministic: example i comes from new Rng(seed).fork(i), and sets extend', () => {
    const a = generateSet(11, 40, { count: 4 });
    const b = generateSet(11, 40, { count: 4 });
    expect(b).toEqual(a);
    expect(generateSet(11, 10, { count: 4 })).toEqual(a.slice(0, 10));
    expect(generateProblem(new Rng(11).fork(17), { count: 4 })).toEqual(a[17]);
    // Golden: the first problems of seed 0, which also open the training held-out set
    // (training/data/countdown-heldout.jsonl); the arithmetic checks by hand.
    expect(generateSet(0, 3, { count: 3 }).map((ex) => `${formatPrompt(ex)}${ex.solution}`)).toEqual([
      '13,29,77:35=13+29=42,77-42=35',
      '32,49,96:79=96+32=128,128-49=79',
      '55,56,33:34=55-33=22,56-22=34',
    ]);
    const c = generateSet(12, 40, { count: 4 });
    expect(c.filter((ex, i) => ex.solution === a[i].solution).length).toBeLessThan(3);
    // Problems within a set differ.
    expect(new Set(a.map((ex) => formatPrompt(ex))).size).toBeGreaterThan(35);
  });

  for (const count of [3, 4] as const) {
    it(`count ${count}: every solution is valid, uses every input once, stays within the bounds, and is solvable`, () => {
      const set = generateSet(2026 + count, 300, { count });
      const ops = new Set<string>();
      let combinesTwoResults = 0;
      for (const ex of set) {
        expect(ex.numbers).toHaveLength(count);
        for (const x of ex.numbers) expect(Number.isInteger(x) && x >= 1 && x <= 99).toBe(true);
        expect(ex.target).toBeGreaterThan(0);
        expect(ex.target).toBeLessThanOrEqual(999);
        expect(ex.numbers).not.toContain(ex.target);
        const check = checkSolution(ex, ex.solution);
        expect(check, `${formatPrompt(ex)}${ex.solution}`).toEqual({ correct: true, steps: check.steps });
        // n−1 steps under the at-most-once rule consume every input and every earlier result.
        expect(check.steps).toHaveLength(count - 1);
        for (const s of check.steps) {
          ops.add(s.op);
          expect(s.result).toBeLessThanOrEqual(999);
          expect((s.op === '*' && (s.a === 1 || s.b === 1)) || (s.op === '/' && s.b === 1)).toBe(false);
        }
        if (count === 4 && !ex.numbers.includes(check.steps[2].a) && !ex.numbers.includes(check.steps[2].b)) combinesTwoResults++;
        expect(ex.solution.length).toBeLessThanOrEqual(maxSolutionLength(count));
        expect(formatPrompt(ex).length).toBeLessThanOrEqual(maxPromptLength(count));
        const found = solve(ex);
        expect(found, formatPrompt(ex)).not.toBeNull();
        expect(checkSolution(ex, found!).correct).toBe(true);
        const bounded = solve(ex, { maxResult: 999 });
        expect(bounded!.length).toBeLessThanOrEqual(maxSolutionLength(count));
      }
      expect([...ops].sort()).toEqual(['*', '+', '-', '/']);
      if (count === 4) expect(combinesTwoResults).toBeGreaterThan(0);
    });
  }

  it('respects maxNumber and maxTarget, and rejects bad options', () => {
    for (const ex of generateSet(5, 100, { count: 3, maxNumber: 12, maxTarget: 40 })) {
      for (const x of ex.numbers) expect(x).toBeLessThanOrEqual(12);
      const check = checkSolution(ex, ex.solution);
      expect(check.correct).toBe(true);
      for (const s of check.steps) expect(s.result).toBeLessThanOrEqual(40);
      expect(ex.solution.length).toBeLessThanOrEqual(maxSolutionLength(3, 40, 12));
    }
    expect(() => generateProblem(new Rng(1), { count: 5 as 4 })).toThrow(/count must be 3 or 4/);
    expect(() => generateProblem(new Rng(1), { count: 3, maxNumber: 1 })).toThrow(/maxNumber/);
    expect(() => generateProblem(new Rng(1), { count: 3, maxTarget: 0 })).toThrow(/maxTarget/);
  });
});

describe('countdown solver', () => {
  it('finds the shortest solution, needs at least one step, and returns null when impossible', () => {
    expect(solve({ numbers: [44, 15, 79], target: 59 })).toBe('44+15=59');
    expect(solve({ numbers: [44, 15, 79], target: 50 })).toBe('44-15=29,79-29=50');
    expect(solve({ numbers: [5, 3, 2], target: 5 })).toBe('3+2=5');
    expect(solve({ numbers: [1, 1, 1], target: 100 })).toBeNull();
    expect(solve({ numbers: [2, 3, 5, 7], target: 1000 })).toBeNull();
  });

  it('maxResult bounds the intermediate results', () => {
    const p = { numbers: [99, 98, 2], target: 4851 };
    const free = solve(p);
    expect(free).toBe('99*98=9702,9702/2=4851');
    expect(checkSolution(p, free!).correct).toBe(true);
    expect(solve(p, { maxResult: 999 })).toBeNull();
  });
});

describe('countdown checker', () => {
  const p: CountdownProblem = { numbers: [44, 15, 79], target: 50 };
  const reason = (problem: CountdownProblem, text: string): string | undefined => checkSolution(problem, text).reason;

  it('accepts correct answers, commutative variants, spaces, semicolons and a trailing comma', () => {
    for (const text of ['44-15=29,79-29=50', '44 - 15 = 29 ; 79 - 29 = 50', '79-44=35,15+35=50', '79-44=35,35+15=50,']) {
      const c = checkSolution(p, text);
      expect(c.correct, text).toBe(true);
      expect(c.reason).toBeUndefined();
    }
    expect(checkSolution(p, '44-15=29,79-29=50').steps).toEqual([
      { a: 44, op: '-', b: 15, result: 29, text: '44-15=29' },
      { a: 79, op: '-', b: 29, result: 50, text: '79-29=50' },
    ]);
    // Not every input has to be used.
    expect(checkSolution({ numbers: [44, 15, 79], target: 59 }, '15+44=59').correct).toBe(true);
    expect(checkSolution({ numbers: [6, 4, 9], target: 54 }, '4*9=36,36/6=6,6*9=54').reason).toBe(
      'step 3: 9 is not available (already used)',
    );
    expect(checkSolution({ numbers: [6, 4, 9], target: 6 }, '4*9=36,36/6=6').correct).toBe(true);
  });

  it('rejects wrong arithmetic, non-exact division and non-positive results', () => {
    expect(reason(p, '44-15=28,79-28=51')).toBe('step 1: 44-15 is 29, not 28');
    expect(reason(p, '44-15=29,79-29=51')).toBe('step 2: 79-29 is 50, not 51');
    expect(reason(p, '15-44=29,79-29=50')).toBe('step 1: 15-44 is -29, not 29');
    expect(reason({ numbers: [7, 2, 5], target: 8 }, '7/2=3,3+5=8')).toBe('step 1: 7/2 is not exact');
    expect(reason({ numbers: [7, 2, 5], target: 8 }, '7/0=0')).toBe('step 1: 7/0 divides by zero');
    expect(reason({ numbers: [7, 7, 3], target: 3 }, '7-7=0,0+3=3')).toBe('step 1: result 0 is not positive');
    expect(reason({ numbers: [9007199254740991, 2], target: 1 }, '9007199254740991*2=1')).toBe(
      'step 1: 9007199254740991*2 is too large',
    );
  });

  it('rejects reuse of an input, numbers not given, and a result used twice', () => {
    expect(reason({ numbers: [44, 15, 79], target: 88 }, '44+44=88')).toBe('step 1: 44 is not available (already used)');
    expect(reason(p, '44-15=29,44+6=50')).toBe('step 2: 44 is not available (already used)');
    expect(reason({ numbers: [44, 15, 79], target: 60 }, '44+16=60')).toBe('step 1: 16 is not available (not given)');
    expect(reason({ numbers: [44, 15, 79], target: 58 }, '44-15=29,29+29=58')).toBe('step 2: 29 is not available (already used)');
    expect(reason({ numbers: [44, 15, 79], target: 108 }, '44-15=29,79+29=108,29+79=108')).toBe(
      'step 3: 29 is not available (already used)',
    );
    // A result cannot be used before the step that makes it.
    expect(reason(p, '79-29=50,44-15=29')).toBe('step 1: 29 is not available (not given)');
  });

  it('treats the inputs as a multiset', () => {
    expect(checkSolution({ numbers: [5, 5, 2], target: 50 }, '5*5=25,25*2=50').correct).toBe(true);
    expect(reason({ numbers: [5, 2, 3], target: 75 }, '5*5=25,25*3=75')).toBe('step 1: 5 is not available (already used)');
    expect(reason({ numbers: [5, 5, 2], target: 125 }, '5*5=25,25*5=125')).toBe('step 2: 5 is not available (already used)');
    // An input and an equal result are two copies.
    expect(checkSolution({ numbers: [6, 3, 3], target: 36 }, '3+3=6,6*6=36').correct).toBe(true);
    expect(reason({ numbers: [6, 3, 3], target: 30 }, '3+3=6,6*6=36,36-6=30')).toBe('step 3: 6 is not available (already used)');
  });

  it('rejects a wrong final result', () => {
    expect(reason({ numbers: [44, 15, 79], target: 48 }, '44-15=29,79-29=50')).toBe('last result 50 is not the target 48');
    expect(reason(p, '44-15=29')).toBe('last result 29 is not the target 50');
  });

  it('rejects empty and garbage text', () => {
    for (const text of ['', '   \n', ',;,', 'hello', '44-15']) expect(reason(p, text), JSON.stringify(text)).toBe('no equations found');
    expect(reason(p, 'hello=5')).toBe('step 1: cannot parse "hello=5"');
    expect(reason(p, '44-15=29,banana')).toBe('step 2: cannot parse "banana"');
    expect(reason(p, '44-15=29,79-29')).toBe('step 2: cannot parse "79-29"');
    expect(reason(p, 'The answer is: 44-15=29,79-29=50')).toBe('step 1: cannot parse "Theansweris:44-15=29"');
    expect(reason(p, '44-15=29,79-29=50=50')).toBe('step 2: cannot parse "79-29=50=50"');
    expect(checkSolution(p, '44-15=29,banana').steps).toHaveLength(1);
  });
});

describe('countdown text format', () => {
  it('formats the prompt compactly and parses it back', () => {
    expect(formatPrompt({ numbers: [44, 15, 79], target: 50 })).toBe('44,15,79:50=');
    expect(parsePrompt('44,15,79:50=')).toEqual({ numbers: [44, 15, 79], target: 50 });
    for (const bad of ['44,15,79:50', '44,15,79=50:', '44 15:50=', ':50=', '44,15:50=3']) expect(() => parsePrompt(bad)).toThrow(/not a prompt/);
    expect(() => formatPrompt({ numbers: [1.5, 2], target: 3 })).toThrow(/cannot format/);
  });

  it('round-trips generated problems and uses only the documented alphabet', () => {
    expect(COUNTDOWN_ALPHABET).toBe('0123456789+-*/=,:');
    const alphabet = new Set(COUNTDOWN_ALPHABET);
    for (const count of [3, 4] as const) {
      for (const ex of generateSet(99, 100, { count })) {
        const prompt = formatPrompt(ex);
        const solution = formatSolution(ex.solution);
        expect(solution).toBe(ex.solution);
        for (const ch of prompt + solution) expect(alphabet.has(ch), `${prompt}${solution}`).toBe(true);
        expect(prompt.split(':')).toHaveLength(2);
        expect(prompt.endsWith('=')).toBe(true);
        expect(parsePrompt(prompt)).toEqual({ numbers: ex.numbers, target: ex.target });
        expect(formatSolution(checkSolution(ex, solution).steps)).toBe(solution);
      }
    }
  });

  it('normalises solutions', () => {
    expect(formatSolution(' 44 - 15 = 29 ;\n79-29=50 ,')).toBe('44-15=29,79-29=50');
  });

  it('maximum lengths are bounds that real solutions reach', () => {
    expect(maxSolutionLength(3)).toBe(20);
    expect(maxSolutionLength(4)).toBe(31);
    expect(maxSolutionLength(4, 999, 99)).toBe(31);
    expect(maxSolutionLength(3, 40, 12)).toBe(17);
    expect(maxPromptLength(3)).toBe(13);
    expect(maxPromptLength(4)).toBe(16);
    expect(formatPrompt({ numbers: [99, 99, 99, 99], target: 999 })).toHaveLength(16);
    const long3 = { numbers: [99, 98, 97], target: 294 };
    expect(checkSolution(long3, '99+98=197,197+97=294').correct).toBe(true);
    expect('99+98=197,197+97=294').toHaveLength(20);
    const long4 = { numbers: [99, 98, 97, 96], target: 390 };
    expect(checkSolution(long4, '99+98=197,97+96=193,197+193=390').correct).toBe(true);
    expect('99+98=197,97+96=193,197+193=390').toHaveLength(31);
    expect(() => maxSolutionLength(1)).toThrow(/count/);
  });
});

describe('countdown JSONL', () => {
  it('parses records with and without output, skipping blank lines', () => {
    const records = parseCountdownJsonl(readFileSync(FIXTURE, 'utf8'), 'sample.jsonl');
    expect(records).toEqual([
      { numbers: [44, 15, 79], target: 50, solution: '44-15=29,79-29=50' },
      // Keys other than input and output travel with the problem.
      { numbers: [3, 7, 2], target: 8, solution: '7-3=4; 4*2=8', extra: { 'data.id': 7 } },
      { numbers: [25, 5, 4], target: 100 },
    ]);
    for (const r of records) if (r.solution !== undefined) expect(checkSolution(r, r.solution).correct).toBe(true);
    expect(parseCountdownJsonl('{"input":"1,2,3"}\r\n\r\n{"input":"4,5,6,7","output":null}\r\n', 'x')).toEqual([
      { numbers: [1, 2], target: 3 },
      { numbers: [4, 5, 6], target: 7 },
    ]);
    expect(parseCountdownJsonl('', 'empty.jsonl')).toEqual([]);
  });

  it('errors name the file, the line and the field', () => {
    const ok = '{"input":"44,15,79,50"}\n\n';
    const err = (line: string): string => {
      try {
        parseCountdownJsonl(ok + line, 'data/countdown.jsonl');
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(err('{"input":"1,2,3"')).toMatch(/^data\/countdown\.jsonl:3: invalid JSON/);
    expect(err('[1,2,3]')).toMatch(/^data\/countdown\.jsonl:3: expected a JSON object/);
    expect(err('{"output":"1+2=3"}')).toBe('data/countdown.jsonl:3: field "input" is missing');
    expect(err('{"input":{"a":1}}')).toMatch(/^data\/countdown\.jsonl:3: field "input" must be a string/);
    expect(err('{"input":"1,2"}')).toMatch(/^data\/countdown\.jsonl:3: field "input" must be two or more positive integers/);
    expect(err('{"input":"1,x,3"}')).toMatch(/^data\/countdown\.jsonl:3: field "input"/);
    expect(err('{"input":"1,0,3"}')).toMatch(/^data\/countdown\.jsonl:3: field "input"/);
    expect(err('{"input":"1,2.5,3"}')).toMatch(/^data\/countdown\.jsonl:3: field "input"/);
    // A bare integer output is a target: line 1 (no output) then has no target.
    expect(err('{"input":"1,2,3","output":42}')).toBe(
      'data/countdown.jsonl:1: no "output", but line 3 holds the target there (layout: numbers in "input", target in "output"): this problem has no target',
    );
    expect(err('{"input":"1,2,3","output":[42]}')).toMatch(/^data\/countdown\.jsonl:3: field "output" must be a solution like "44-15=29,79-29=50" or a target/);
    expect(err('')).toBe('no error');
  });
});
