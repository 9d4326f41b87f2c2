// The page's colours, as the video uses them: blue for positive weights, red for negative, white
// light for activation, on a dark ground. CSS reads the same values from style.css.
export const positive = [88, 196, 221] as const; // #58c4dd
export const negative = [252, 98, 85] as const; // #fc6255
export const guessColour = '#ffd54a';
/** The open neuron's dashed ring. */
export const selectionColour = '#e8ebf2';
export const text = '#e8ebf2';
export const mutedText = '#8d96aa';
export const ground = '#07090f';

/** A weight's colour as CSS, blue or red by sign, its opacity given separately. */
export function weightColour(weight: number, alpha: number): string {
  const [r, g, b] = weight >= 0 ? positive : negative;
  return `rgba(${r},${g},${b},${alpha.toFixed(3)})`;
}
