/**
 * The GS1 vocabularies a supply history uses, as bare words the way EPCIS
 * 2.0 JSON writes them ("shipping", not "urn:epcglobal:cbv:bizstep:shipping").
 * Lists from CBV 2.0 (the epcis-context.jsonld and the EPCIS 2.0 JSON schema).
 */

/** CBV 2.0 business steps (41). */
export const BIZ_STEPS = [
  'accepting', 'arriving', 'assembling', 'collecting', 'commissioning', 'consigning',
  'creating_class_instance', 'cycle_counting', 'decommissioning', 'departing', 'destroying',
  'disassembling', 'dispensing', 'encoding', 'entering_exiting', 'holding', 'inspecting',
  'installing', 'killing', 'loading', 'other', 'packing', 'picking', 'receiving', 'removing',
  'repackaging', 'repairing', 'replacing', 'reserving', 'retail_selling', 'sampling',
  'sensor_reporting', 'shipping', 'staging_outbound', 'stock_taking', 'stocking', 'storing',
  'transporting', 'unloading', 'unpacking', 'void_shipping',
] as const;

/** CBV 2.0 dispositions (33). */
export const DISPOSITIONS = [
  'active', 'available', 'completeness_inferred', 'completeness_verified', 'conformant',
  'container_closed', 'container_open', 'damaged', 'destroyed', 'dispensed', 'disposed',
  'encoded', 'expired', 'in_progress', 'in_transit', 'inactive', 'mismatch_class',
  'mismatch_instance', 'mismatch_quantity', 'needs_replacement', 'no_pedigree_match',
  'non_conformant', 'non_sellable_other', 'partially_dispensed', 'recalled', 'reserved',
  'retail_sold', 'returned', 'sellable_accessible', 'sellable_not_accessible', 'stolen',
  'unavailable', 'unknown',
] as const;

export type BizStep = (typeof BIZ_STEPS)[number];
export type Disposition = (typeof DISPOSITIONS)[number];

const BIZ_STEP_SET: ReadonlySet<string> = new Set(BIZ_STEPS);
const DISPOSITION_SET: ReadonlySet<string> = new Set(DISPOSITIONS);

export function isBizStep(value: string): value is BizStep {
  return BIZ_STEP_SET.has(value);
}

export function isDisposition(value: string): value is Disposition {
  return DISPOSITION_SET.has(value);
}

/** GS1 Web Vocabulary measurement types that EPCIS 2.0 sensor reports name as `gs1:<Type>`. */
export const MEASUREMENT_TYPES = [
  'AbsoluteHumidity', 'AbsorbedDose', 'AbsorbedDoseRate', 'Acceleration', 'Activity', 'Altitude',
  'AmountOfSubstance', 'AmountOfSubstancePerUnitVolume', 'Angle', 'AngularAcceleration',
  'AngularMomentum', 'AngularVelocity', 'Area', 'Capacitance', 'Conductance', 'Conductivity',
  'Count', 'Density', 'Dimensionless', 'DoseEquivalent', 'DoseEquivalentRate', 'DynamicViscosity',
  'ElectricCharge', 'ElectricCurrent', 'ElectricCurrentDensity', 'ElectricFieldStrength', 'Energy',
  'Exposure', 'Force', 'Frequency', 'Illuminance', 'Inductance', 'Irradiance', 'KinematicViscosity',
  'Length', 'LinearMomentum', 'Luminance', 'LuminousFlux', 'LuminousIntensity', 'MagneticFlux',
  'MagneticFluxDensity', 'MagneticVectorPotential', 'Mass', 'MassConcentration', 'MassFlowRate',
  'MassPerAreaTime', 'MemoryCapacity', 'MolalityOfSolute', 'MolarEnergy', 'MolarMass',
  'MolarVolume', 'Power', 'Pressure', 'RadiantFlux', 'RadiantIntensity', 'RelativeHumidity',
  'Resistance', 'Resistivity', 'SolidAngle', 'SpecificVolume', 'Speed', 'SurfaceDensity',
  'SurfaceTension', 'Temperature', 'Time', 'Torque', 'Voltage', 'Volume', 'VolumeFlowRate',
  'VolumeFraction', 'VolumetricFlux', 'Wavenumber',
] as const;

/** Looser names people write for a reading, folded to a GS1 measurement type. */
const MEASUREMENT_ALIASES: Readonly<Record<string, string>> = {
  humidity: 'RelativeHumidity',
  temp: 'Temperature',
  weight: 'Mass',
};

const MEASUREMENT_BY_FOLDED: ReadonlyMap<string, string> = new Map([
  ...MEASUREMENT_TYPES.map((type): [string, string] => [type.toLowerCase(), type]),
  ...Object.entries(MEASUREMENT_ALIASES),
]);

/**
 * The GS1 measurement type a reading's name stands for ("temperature",
 * "relative_humidity", "Temperature" → "Temperature"), or undefined when the
 * name is not one of them.
 */
export function gs1MeasurementType(readingName: string): string | undefined {
  return MEASUREMENT_BY_FOLDED.get(readingName.replaceAll('_', '').toLowerCase());
}
