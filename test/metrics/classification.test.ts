import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SeqlabError } from '../../src/errors.js';
import {
  accuracy,
  auprcMacro,
  auroc,
  aurocOvr,
  averagePrecision,
  classificationReport,
  confusionMatrix,
  f1,
  macroF1,
  mcc,
  perClassPrf,
  regionRecall,
  segmentsOf,
  sov,
} from '../../src/metrics/index.js';

/** Labels and positive-class scores with what scikit-learn 1.2.1 computes at p_1 ≥ 0.5. */
interface BinaryCase {
  name: string;
  note: string;
  kind: 'binary';
  y_true: number[];
  p_1: number[];
  auroc: number;
  auprc_average_precision: number;
  'accuracy_at_0.5': number;
  'f1_at_0.5': number;
  'mcc_at_0.5': number;
}

/** Labels and class probabilities with what scikit-learn 1.2.1 computes at argmax. */
interface MulticlassCase {
  name: string;
  kind: 'multiclass';
  classes: number[];
  y_true: number[];
  proba: number[][];
  accuracy: number;
  macro_f1: number;
  per_class_f1: number[];
  per_class_precision: number[];
  per_class_recall: number[];
  auroc_ovr_macro: number;
  auprc_ovr_macro: number;
  mcc: number;
}

type SklearnCase = BinaryCase | MulticlassCase;

const here = dirname(fileURLToPath(import.meta.url));
const fixture = join(here, '../fixtures/metrics/sklearn-cases.json');
const loadCases = (): SklearnCase[] => (JSON.parse(readFileSync(fixture, 'utf8')) as { cases: SklearnCase[] }).cases;

/** Every expected number agrees to this. */
const TOL = 1e-4;

/** Keys that describe or feed a case rather than hold an expected number. */
const INPUT_KEYS = new Set(['name', 'note', 'kind', 'y_true', 'p_1', 'proba', 'classes']);

interface Comparison {
  mismatches: string[];
  /** The fixture keys whose expected numbers were compared. */
  checked: Set<string>;
  maxDeviation: number;
}

/**
 * Compares seqlab with scikit-learn on one case, through the single functions and through
 * `classificationReport`, naming every disagreement.
 */
function compareCase(c: SklearnCase): Comparison {
  const mismatches: string[] = [];
  const checked = new Set<string>();
  let maxDeviation = 0;
  const score = (key: string, what: string, ours: number, theirs: number) => {
    checked.add(key);
    const dev = Math.abs(ours - theirs);
    maxDeviation = Math.max(maxDeviation, Number.isNaN(dev) ? Infinity : dev);
    if (!(dev <= TOL)) mismatches.push(`${c.name}: ${what} is ${ours}, scikit-learn ${theirs}`);
  };

  if (c.kind === 'binary') {
    const yPred = c.p_1.map((p) => (p >= 0.5 ? 1 : 0));
    const report = classificationReport(c.y_true, c.p_1.map((p) => [1 - p, p]), ['neg', 'pos']);
    score('auroc', 'auroc', auroc(c.y_true, c.p_1), c.auroc);
    score('auroc', 'report AUROC', report.auroc, c.auroc);
    score('auprc_average_precision', 'averagePrecision', averagePrecision(c.y_true, c.p_1), c.auprc_average_precision);
    score('auprc_average_precision', 'report AUPRC', report.auprc, c.auprc_average_precision);
    score('accuracy_at_0.5', 'accuracy', accuracy(c.y_true, yPred), c['accuracy_at_0.5']);
    score('accuracy_at_0.5', 'report accuracy', report.accuracy, c['accuracy_at_0.5']);
    score('f1_at_0.5', 'f1', f1(c.y_true, yPred), c['f1_at_0.5']);
    score('f1_at_0.5', 'report F1 of class 1', report.per_class.pos.f1, c['f1_at_0.5']);
    score('mcc_at_0.5', 'mcc', mcc(c.y_true, yPred, [0, 1]), c['mcc_at_0.5']);
    score('mcc_at_0.5', 'report MCC', report.mcc, c['mcc_at_0.5']);
    return { mismatches, checked, maxDeviation };
  }

  const names = c.classes.map((k) => `class ${k}`);
  const report = classificationReport(c.y_true, c.proba, names);
  const yPred = c.proba.map((row) => row.indexOf(Math.max(...row)));
  const prf = perClassPrf(c.y_true, yPred, c.classes);
  score('accuracy', 'accuracy', accuracy(c.y_true, yPred), c.accuracy);
  score('accuracy', 'report accuracy', report.accuracy, c.accuracy);
  score('macro_f1', 'macroF1', macroF1(c.y_true, yPred, c.classes), c.macro_f1);
  score('macro_f1', 'report macro-F1', report.macro_f1, c.macro_f1);
  const perClass = [
    ['per_class_precision', 'precision', c.per_class_precision],
    ['per_class_recall', 'recall', c.per_class_recall],
    ['per_class_f1', 'f1', c.per_class_f1],
  ] as const;
  for (const [key, field, expected] of perClass) {
    if (expected.length !== c.classes.length) mismatches.push(`${c.name}: ${key} has ${expected.length} entries for ${c.classes.length} classes`);
    expected.forEach((value, k) => {
      score(key, `${field} of class ${k}`, prf[k][field], value);
      score(key, `report ${field} of class ${k}`, report.per_class[names[k]][field], value);
    });
  }
  score('auroc_ovr_macro', 'aurocOvr', aurocOvr(c.y_true, c.proba), c.auroc_ovr_macro);
  score('auroc_ovr_macro', 'report AUROC', report.auroc, c.auroc_ovr_macro);
  score('auprc_ovr_macro', 'auprcMacro', auprcMacro(c.y_true, c.proba), c.auprc_ovr_macro);
  score('auprc_ovr_macro', 'report AUPRC', report.auprc, c.auprc_ovr_macro);
  score('mcc', 'mcc', mcc(c.y_true, yPred, c.classes), c.mcc);
  score('mcc', 'report MCC', report.mcc, c.mcc);
  return { mismatches, checked, maxDeviation };
}

describe('scikit-learn 1.2.1 fixtures', () => {
  const cases = loadCases();

  it('holds the 5 binary and 2 multiclass cases, with classes 0..K-1', () => {
    expect(cases.map((c) => `${c.kind}:${c.name}`)).toEqual([
      'binary:balanced',
      'binary:imbalanced_10pct',
      'binary:heavy_ties',
      'binary:perfect',
      'binary:inverted',
      'multiclass:three_classes',
      'multiclass:five_classes_imbalanced',
    ]);
    for (const c of cases) if (c.kind === 'multiclass') expect(c.classes).toEqual(c.classes.map((_, k) => k));
  });

  for (const c of cases) {
    it(`agrees with scikit-learn on ${c.name} (${c.kind})`, () => {
      const { mismatches, checked, maxDeviation } = compareCase(c);
      expect(mismatches).toEqual([]);
      expect(maxDeviation).toBeLessThan(TOL);
      // Every key is an input or a checked expectation: a number added to the fixture fails here.
      const unchecked = Object.keys(c).filter((key) => !INPUT_KEYS.has(key) && !checked.has(key));
      expect(unchecked).toEqual([]);
    });
  }

  it('has scores exactly 0.5 in heavy_ties, which p_1 >= 0.5 predicts as class 1', () => {
    const c = cases.find((x) => x.name === 'heavy_ties') as BinaryCase;
    const halves = c.p_1.filter((p) => p === 0.5).length;
    expect(halves).toBeGreaterThan(0);
    // Predicting those as class 0 instead gives another accuracy, so the fixture pins the rule.
    const strict = c.p_1.map((p) => (p > 0.5 ? 1 : 0));
    expect(Math.abs(accuracy(c.y_true, strict) - c['accuracy_at_0.5'])).toBeGreaterThan(TOL);
  });

  it('fails when one expected number is off by more than the tolerance', () => {
    const c = loadCases().find((x) => x.name === 'heavy_ties') as BinaryCase;
    c.auroc += 2e-4;
    expect(compareCase(c).mismatches).toEqual([
      expect.stringMatching(/^heavy_ties: auroc is 0\.66835\d+, scikit-learn 0\.66855\d+$/),
      expect.stringMatching(/^heavy_ties: report AUROC is /),
    ]);
    const m = loadCases().find((x) => x.name === 'five_classes_imbalanced') as MulticlassCase;
    m.per_class_recall[3] -= 2e-4;
    expect(compareCase(m).mismatches).toEqual([
      expect.stringMatching(/^five_classes_imbalanced: recall of class 3 is 0\.4, /),
      expect.stringMatching(/^five_classes_imbalanced: report recall of class 3 is 0\.4, /),
    ]);
  });

  it('fails when the fixture gains an expected number nobody checks', () => {
    const c: SklearnCase = Object.assign(structuredClone(cases[0]), { brier: 0.2 });
    const { checked } = compareCase(c);
    expect(Object.keys(c).filter((key) => !INPUT_KEYS.has(key) && !checked.has(key))).toEqual(['brier']);
  });
});

describe('ranking metrics, hand-computed', () => {
  it("matches scikit-learn's documented example", () => {
    // Sorted: 0.8(+) 0.4(−) 0.35(+) 0.1(−). Pairs won: 0.8 beats both, 0.35 beats 0.1: 3/4.
    // AP: recall 1/2 at precision 1, then recall 1 at precision 2/3: 1/2 + 1/3.
    expect(auroc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
    expect(averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(5 / 6, 12);
  });

  it('treats tied scores as one threshold', () => {
    // y = [0, 1, 0, 1], s = [0.5, 0.5, 0.2, 0.8]. ROC points (0,0) (0,½) (½,1) (1,1):
    // area ½·(½+1)/2 + ½·1 = 7/8, i.e. the (+0.5, −0.5) tie counts ½.
    // AP: threshold 0.8 gives R ½, P 1; threshold 0.5 takes both tied samples: R 1, P 2/3.
    // Breaking the tie either way would give AP 1/2 + 1/2·(1/2) or 1/2 + 1/2·1 instead.
    expect(auroc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.8])).toBeCloseTo(7 / 8, 12);
    expect(averagePrecision([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.8])).toBeCloseTo(5 / 6, 12);
    expect(auroc([0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3])).toBe(0.5);
    expect(averagePrecision([0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3])).toBe(0.5);
  });

  it('averages one-vs-rest AP over classes (scikit-learn multiclass example)', () => {
    // Per class AP: 5/6, 3/4, 3/4 (each: the top score is a positive, the second positive comes
    // in at precision 2/3, 1/2, 1/2). Mean 7/9.
    const probs = [
      [0.7, 0.2, 0.1],
      [0.4, 0.3, 0.3],
      [0.1, 0.8, 0.1],
      [0.2, 0.3, 0.5],
      [0.4, 0.4, 0.2],
      [0.1, 0.2, 0.7],
    ];
    expect(auprcMacro([0, 0, 1, 1, 2, 2], probs)).toBeCloseTo(7 / 9, 12);
  });

  it('accepts typed arrays', () => {
    const y = Int32Array.from([0, 1, 0, 1]);
    const s = Float64Array.from([0.5, 0.5, 0.2, 0.8]);
    expect(auroc(y, s)).toBeCloseTo(7 / 8, 12);
    expect(auroc(Float32Array.from([0, 0, 1]), [0.1, 0.2, 0.3])).toBe(1);
  });

  it('returns NaN when a class is absent from y_true', () => {
    expect(auroc([1, 1, 1], [0.2, 0.5, 0.9])).toBeNaN();
    expect(auroc([0, 0], [0.2, 0.5])).toBeNaN();
    expect(averagePrecision([0, 0], [0.2, 0.5])).toBeNaN();
    expect(averagePrecision([1, 1], [0.2, 0.5])).toBe(1); // all positive: precision 1 everywhere
    const probs = [
      [0.8, 0.1, 0.1],
      [0.2, 0.7, 0.1],
    ];
    expect(aurocOvr([0, 1], probs)).toBeNaN(); // class 2 never true
    expect(auprcMacro([0, 1], probs)).toBeNaN();
    expect(auroc([], [])).toBeNaN();
    expect(aurocOvr([], [])).toBeNaN();
  });

  it('names bad input', () => {
    expect(() => auroc([0, 2], [0.1, 0.2])).toThrow(/auroc: yTrue\[1\] is 2, not 0 or 1/);
    expect(() => auroc([0, 1], [0.1, NaN])).toThrow(/auroc: scores\[1\] is NaN/);
    expect(() => averagePrecision([0, 1], [0.1])).toThrow(SeqlabError);
    expect(() => aurocOvr([0, 3], [[0.5, 0.5], [0.5, 0.5]])).toThrow(/yTrue\[1\] is 3, not a class index in 0\.\.1/);
    expect(() => aurocOvr([0, 1], [[0.5, 0.5], [1]])).toThrow(/probs\[1\] has 1 entries, expected 2/);
  });
});

describe('label metrics, hand-computed', () => {
  // y = [0, 1, 2, 0, 1, 2], ŷ = [0, 2, 1, 0, 0, 2]. Confusion matrix (rows true):
  //   [2 0 0]     class 0: P 2/3, R 1,  F1 4/5
  //   [1 0 1]     class 1: P 0,   R 0,  F1 0   (predicted once, wrongly)
  //   [0 1 1]     class 2: P 1/2, R 1/2, F1 1/2
  // MCC: c = 3, s = 6, t = (2, 2, 2), p = (3, 1, 2): (18 − 12) / √((36 − 14)(36 − 12)) = 6/√528.
  const y = [0, 1, 2, 0, 1, 2];
  const yHat = [0, 2, 1, 0, 0, 2];
  const classes = [0, 1, 2];

  it('counts, precision, recall, F1 and MCC', () => {
    expect(confusionMatrix(y, yHat, classes)).toEqual([
      [2, 0, 0],
      [1, 0, 1],
      [0, 1, 1],
    ]);
    const prf = perClassPrf(y, yHat, classes);
    expect(prf.map((p) => p.support)).toEqual([2, 2, 2]);
    expect(prf[0].precision).toBeCloseTo(2 / 3, 12);
    expect(prf[0].f1).toBeCloseTo(4 / 5, 12);
    expect(prf[1]).toEqual({ precision: 0, recall: 0, f1: 0, support: 2 });
    expect(prf[2].f1).toBeCloseTo(1 / 2, 12);
    expect(macroF1(y, yHat, classes)).toBeCloseTo(1.3 / 3, 12);
    expect(accuracy(y, yHat)).toBe(0.5);
    expect(mcc(y, yHat, classes)).toBeCloseTo(6 / Math.sqrt(528), 12);
  });

  it('gives binary MCC as (TP·TN − FP·FN) / √(…)', () => {
    // TP 2, FN 1, FP 1, TN 1: (2 − 1) / √(3·3·2·2) = 1/6.
    expect(mcc([1, 1, 1, 0, 0], [1, 1, 0, 0, 1], [0, 1])).toBeCloseTo(1 / 6, 12);
    expect(f1([1, 1, 1, 0, 0], [1, 1, 0, 0, 1])).toBeCloseTo(2 / 3, 12);
  });

  it('returns 0 where a denominator is 0, and NaN accuracy without samples', () => {
    // All one class predicted: MCC's predicted-variance term is 0.
    expect(mcc([0, 1, 1], [1, 1, 1], [0, 1])).toBe(0);
    expect(mcc([1, 1], [1, 1], [0, 1])).toBe(0);
    // A listed class neither true nor predicted has F1 0 and counts in the macro mean.
    expect(perClassPrf([0, 0], [0, 0], [0, 1])[1]).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(macroF1([0, 0], [0, 0], [0, 1])).toBe(0.5);
    expect(accuracy([], [])).toBeNaN();
    expect(mcc([], [], [0, 1])).toBe(0);
  });

  it('names bad input', () => {
    expect(() => confusionMatrix([0, 5], [0, 1], [0, 1])).toThrow(/confusionMatrix: yTrue\[1\] is 5, not one of the classes \[0, 1\]/);
    expect(() => accuracy([0, 1], [0])).toThrow(/accuracy: yTrue has 2 entries but yPred has 1/);
    expect(() => perClassPrf([0], [0], [0, 0])).toThrow(/class 0 is listed twice/);
    expect(() => macroF1([0], [0], [])).toThrow(SeqlabError);
  });
});

describe('classificationReport', () => {
  it('argmaxes multiclass probabilities, the first class on a tie', () => {
    const r = classificationReport(
      [0, 1, 2],
      [
        [0.4, 0.4, 0.2], // tie: class 0
        [0.1, 0.6, 0.3],
        [0.3, 0.3, 0.4],
      ],
      ['a', 'b', 'c'],
    );
    expect(r.accuracy).toBe(1);
    expect(r.per_class.a).toEqual({ precision: 1, recall: 1, f1: 1, support: 1 });
  });

  it('predicts class 1 from p_1 >= 0.5 with two classes, whatever p_0 says', () => {
    const r = classificationReport([1, 0], [[0.9, 0.5], [0.2, 0.49]], ['no', 'yes']);
    expect(r.accuracy).toBe(1);
  });

  it('reports empty input as documented', () => {
    const r = classificationReport([], [], ['a', 'b']);
    expect(r.accuracy).toBeNaN();
    expect(r.auroc).toBeNaN();
    expect(r.auprc).toBeNaN();
    expect(r.macro_f1).toBe(0);
    expect(r.mcc).toBe(0);
    expect(r.per_class.b).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
  });

  it('gives NaN AUROC and AUPRC when all samples are one class', () => {
    const r = classificationReport([0, 0, 0], [[0.9, 0.1], [0.6, 0.4], [0.3, 0.7]], ['a', 'b']);
    expect(r.accuracy).toBeCloseTo(2 / 3, 12);
    expect(r.auroc).toBeNaN();
    expect(r.auprc).toBeNaN();
    expect(r.mcc).toBe(0);
  });

  it('names bad input', () => {
    expect(() => classificationReport([0], [[1, 0]], ['a', 'a'])).toThrow(/class names repeat/);
    expect(() => classificationReport([0], [[1]], ['a'])).toThrow(/need at least 2 classes/);
    expect(() => classificationReport([2], [[0.5, 0.5]], ['a', 'b'])).toThrow(/yTrue\[0\] is 2/);
    expect(() => classificationReport([0], [[0.5, 0.2, 0.3]], ['a', 'b'])).toThrow(/probs\[0\] has 3 entries, expected 2/);
  });
});

describe('segments', () => {
  it('splits runs at label changes and masked positions', () => {
    expect(segmentsOf([1, 1, 2, 2, 2])).toEqual([
      { label: 1, start: 0, end: 2 },
      { label: 2, start: 2, end: 5 },
    ]);
    expect(segmentsOf(Uint8Array.from([1, 1, 1, 1, 0]), [1, 0, 1, 1, 1])).toEqual([
      { label: 1, start: 0, end: 1 },
      { label: 1, start: 2, end: 4 },
      { label: 0, start: 4, end: 5 },
    ]);
    expect(segmentsOf([])).toEqual([]);
    expect(() => segmentsOf([1, 2], [1])).toThrow(/mask has 1 positions but labels has 2/);
  });

  it('counts a true region as found when enough of it is predicted', () => {
    // Regions of 1: [0,4) covered 2/4, [5,7) covered 0/2, [8,12) covered 3/4.
    const truth = [1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1];
    const pred = [1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0];
    expect(regionRecall(truth, pred, 1)).toBeCloseTo(2 / 3, 12);
    expect(regionRecall(truth, pred, 1, 0.6)).toBeCloseTo(1 / 3, 12);
    expect(regionRecall(truth, pred, 7)).toBeNaN();
    // Masking position 6 shortens the second region to [5,6); masking 2 and 3 splits nothing
    // but leaves [0,2) fully covered.
    expect(regionRecall(truth, pred, 1, 0.5, [1, 1, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1])).toBeCloseTo(2 / 3, 12);
    expect(() => regionRecall(truth, pred, 1, 1.5)).toThrow(/minOverlap is 1\.5/);
  });
});

describe('SOV99, hand-computed', () => {
  it('scores a shifted helix', () => {
    // true 0000111111 0000, pred 000000 111111 00 (C = 0, H = 1).
    // H: s1 [4,10) with s2 [6,12): minov 4, maxov 8, δ = min(4, 4, 3, 3) = 3: (4+3)/8·6 = 5.25; N 6.
    // C: [0,4) with [0,6): minov 4, maxov 6, δ = min(2, 4, 2, 3) = 2: (4+2)/6·4 = 4;
    //    [10,14) with [12,14): minov 2, maxov 4, δ = min(2, 2, 2, 1) = 1: (2+1)/4·4 = 3; N 8.
    // SOV(H) = 525/6 = 87.5, SOV(C) = 700/8 = 87.5, overall 100·12.25/14 = 87.5.
    const truth = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0];
    const pred = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0];
    const s = sov(truth, pred);
    expect(s.perLabel[1]).toBeCloseTo(87.5, 10);
    expect(s.perLabel[0]).toBeCloseTo(87.5, 10);
    expect(s.overall).toBeCloseTo(87.5, 10);
  });

  it('counts an observed segment once per overlapping prediction, and unmatched ones in N', () => {
    // true 11111111, pred 111 00 111: s1 [0,8) with [0,3): minov 3, maxov 8, δ = min(5, 3, 4, 1) = 1:
    // (3+1)/8·8 = 4; the same with [5,8). N = 8 + 8, so SOV(1) = 100·8/16 = 50 (accuracy is 75%).
    expect(sov([1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 1, 1, 1]).perLabel[1]).toBeCloseTo(50, 10);
    // true 0 11 000, pred 0000 11. H [1,3) meets no predicted H: adds 0 to the sum and 2 to N.
    // C: [0,1) with [0,4): minov 1, maxov 4, δ = min(3, 1, 0, 2) = 0: 1/4·1 = 0.25;
    //    [3,6) with [0,4): minov 1, maxov 6, δ = min(5, 1, 1, 2) = 1: 2/6·3 = 1. N 4.
    // SOV(H) = 0, SOV(C) = 125/4 = 31.25, overall 125/6.
    const s = sov([0, 1, 1, 0, 0, 0], [0, 0, 0, 0, 1, 1]);
    expect(s.perLabel[1]).toBe(0);
    expect(s.perLabel[0]).toBeCloseTo(31.25, 10);
    expect(s.overall).toBeCloseTo(125 / 6, 10);
  });

  it('splits segments at masked positions', () => {
    // true 111111, pred 111 0 11. Unmasked: s1 [0,6) with [0,3): minov 3, maxov 6, δ = 1: 4/6·6 = 4;
    // with [4,6): minov 2, maxov 6, δ = min(4, 2, 3, 1) = 1: 3/6·6 = 3; N 12: 700/12.
    // Masking position 3 leaves [0,3) and [4,6) on both sides: a perfect 100.
    const truth = [1, 1, 1, 1, 1, 1];
    const pred = [1, 1, 1, 0, 1, 1];
    expect(sov(truth, pred).overall).toBeCloseTo(700 / 12, 10);
    expect(sov(truth, pred, { mask: [1, 1, 1, 0, 1, 1] }).overall).toBe(100);
  });

  it('gives NaN for labels never observed and for nothing observed', () => {
    const s = sov([1, 1], [2, 2], { labels: [1, 2] });
    expect(s.perLabel[1]).toBe(0);
    expect(s.perLabel[2]).toBeNaN();
    expect(s.overall).toBe(0);
    expect(sov([], [])).toEqual({ overall: NaN, perLabel: {} });
    expect(sov([1, 1], [1, 1], { mask: [0, 0] }).overall).toBeNaN();
    expect(() => sov([1], [1, 1])).toThrow(/sov: trueLabels has 1 positions but predLabels has 2/);
  });
});
