import { calculatePrice, complexityOf, MAX_COMPLEXITY, UnpriceableGeometryError } from './calculate-price';
import { materialPriceProblem, type MaterialPrice } from './material-price';

const gold750: MaterialPrice = {
  code: 'GOLD_750',
  name: 'Gold 750',
  densityGramsPerCm3: 15.5,
  pricePerGramMinor: 5800,
  currency: 'EUR',
  labourPerCm2Minor: 150,
  setupFeeMinor: 2500,
  minimumPriceMinor: 9900,
  active: true,
};

const cube10 = { volumeMm3: 1000, surfaceAreaMm2: 600 };

describe('calculatePrice', () => {
  it('prices a 10 mm gold cube: mass from volume x density, labour from surface and complexity', () => {
    const price = calculatePrice(cube10, gold750);
    const complexity = 6 / Math.cbrt(36 * Math.PI); // a cube's surface over the same-volume sphere's
    expect(price.complexity).toBeCloseTo(complexity, 12);
    const finishing = Math.round(6 * 150 * complexity);
    expect(price.breakdown).toMatchObject({
      material: 'GOLD_750',
      massGrams: 15.5,
      volumeMm3: 1000,
      surfaceAreaMm2: 600,
      materialCost: 899,
      labourCost: (2500 + finishing) / 100,
      minimumApplied: false,
    });
    expect(price.totalMinor).toBe(89_900 + 2500 + finishing);
    expect(price.total).toBe(price.totalMinor / 100);
    expect(price.currency).toBe('EUR');
  });

  it('lists lines that add up to the total to the cent', () => {
    for (const geometry of [cube10, { volumeMm3: 123.456, surfaceAreaMm2: 987.654 }, { volumeMm3: 0.5, surfaceAreaMm2: 4 }]) {
      const price = calculatePrice(geometry, gold750);
      const sumMinor = price.breakdown.lines.reduce((sum, line) => sum + Math.round(line.amount * 100), 0);
      expect(sumMinor).toBe(price.totalMinor);
      for (const line of price.breakdown.lines) expect(Number.isInteger(Math.round(line.amount * 100))).toBe(true);
    }
  });

  it('applies the minimum price and says so with its own line', () => {
    const price = calculatePrice({ volumeMm3: 1, surfaceAreaMm2: 6 }, gold750);
    expect(price.totalMinor).toBe(9900);
    expect(price.breakdown.minimumApplied).toBe(true);
    expect(price.breakdown.lines.at(-1)?.label).toMatch(/minimum price/);
  });

  it('charges more labour for intricate pieces of the same volume', () => {
    const compact = calculatePrice({ volumeMm3: 1000, surfaceAreaMm2: 600 }, gold750);
    const filigree = calculatePrice({ volumeMm3: 1000, surfaceAreaMm2: 1800 }, gold750);
    expect(filigree.breakdown.materialCost).toBe(compact.breakdown.materialCost);
    expect(filigree.breakdown.labourCost).toBeGreaterThan(compact.breakdown.labourCost * 2);
  });

  it('clamps complexity to [1, MAX_COMPLEXITY]', () => {
    expect(complexityOf(1000, 1)).toBe(1);
    expect(complexityOf(1, 1_000_000)).toBe(MAX_COMPLEXITY);
    const sphereVolume = (4 / 3) * Math.PI * 1000;
    expect(complexityOf(sphereVolume, 4 * Math.PI * 100)).toBeCloseTo(1, 9);
  });

  it('refuses geometry without a positive volume or surface', () => {
    expect(() => calculatePrice({ volumeMm3: -5, surfaceAreaMm2: 10 }, gold750)).toThrow(UnpriceableGeometryError);
    expect(() => calculatePrice({ volumeMm3: Number.NaN, surfaceAreaMm2: 10 }, gold750)).toThrow(UnpriceableGeometryError);
  });
});

describe('materialPriceProblem', () => {
  it('accepts a sane entry and names the field of a bad one', () => {
    expect(materialPriceProblem(gold750)).toBeNull();
    expect(materialPriceProblem({ ...gold750, densityGramsPerCm3: 0 })).toMatch(/densityGramsPerCm3/);
    expect(materialPriceProblem({ ...gold750, pricePerGramMinor: 12.5 })).toMatch(/pricePerGramMinor/);
    expect(materialPriceProblem({ ...gold750, currency: 'eur' })).toMatch(/currency/);
    expect(materialPriceProblem({ ...gold750, code: 'gold' })).toMatch(/code/);
  });
});
