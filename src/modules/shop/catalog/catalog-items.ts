import { earringStud, pendant, ring } from '../../pricing';

/**
 * The standard pieces a customer can order without a model of their own.
 * Each is generated from parameters (so the catalogue needs no binary files
 * in the repository) and stored in blob storage at first start.
 */
export interface CatalogItemDefinition {
  id: string;
  name: string;
  kind: 'ring' | 'pendant' | 'earring';
  description: string;
  parameters: Record<string, number>;
  generate(): Float32Array;
}

/** EU ring sizes are the inner circumference in mm. */
const RING_SIZES_EU = [48, 50, 52, 54, 56, 58, 60];

const classicRings: CatalogItemDefinition[] = RING_SIZES_EU.map((size) => {
  const innerDiameterMm = Number((size / Math.PI).toFixed(2));
  return {
    id: `ring-classic-${size}`,
    name: `Classic band, size ${size}`,
    kind: 'ring',
    description: `Comfort-fit band, 4 mm wide, 1.8 mm thick, EU size ${size} (inner diameter ${innerDiameterMm} mm)`,
    parameters: { sizeEu: size, innerDiameterMm, widthMm: 4, thicknessMm: 1.8 },
    generate: () => ring({ innerDiameterMm, widthMm: 4, thicknessMm: 1.8 }),
  };
});

export const CATALOG_ITEMS: readonly CatalogItemDefinition[] = [
  ...classicRings,
  {
    id: 'ring-wide-56',
    name: 'Wide band, size 56',
    kind: 'ring',
    description: 'Flat band, 8 mm wide, 2 mm thick, EU size 56',
    parameters: { sizeEu: 56, innerDiameterMm: 17.83, widthMm: 8, thicknessMm: 2 },
    generate: () => ring({ innerDiameterMm: 17.83, widthMm: 8, thicknessMm: 2, cornerRadiusMm: 0.3 }),
  },
  {
    id: 'pendant-disc-20',
    name: 'Disc pendant, 20 mm',
    kind: 'pendant',
    description: 'Flat disc, 20 mm across, 1.5 mm thick, with a hole for the jump ring',
    parameters: { diameterMm: 20, thicknessMm: 1.5, holeDiameterMm: 2 },
    generate: () => pendant({ diameterMm: 20, thicknessMm: 1.5, holeDiameterMm: 2 }),
  },
  {
    id: 'pendant-disc-14',
    name: 'Disc pendant, 14 mm',
    kind: 'pendant',
    description: 'Flat disc, 14 mm across, 1.2 mm thick, with a hole for the jump ring',
    parameters: { diameterMm: 14, thicknessMm: 1.2, holeDiameterMm: 1.6 },
    generate: () => pendant({ diameterMm: 14, thicknessMm: 1.2, holeDiameterMm: 1.6, rimMm: 1.2 }),
  },
  {
    id: 'earring-stud-5',
    name: 'Stud earring, 5 mm',
    kind: 'earring',
    description: 'Domed stud, 5 mm head, 10 mm post (priced per piece)',
    parameters: { headDiameterMm: 5, postLengthMm: 10 },
    generate: () => earringStud({ headDiameterMm: 5, postLengthMm: 10 }),
  },
];
