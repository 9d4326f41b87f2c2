// How uPlot's axes look on the page's dark ground.
import type uPlot from 'uplot';
import { mutedText } from './palette.js';

export const axisStyle: uPlot.Axis = {
  stroke: mutedText,
  grid: { stroke: 'rgba(255,255,255,0.06)', width: 1 },
  ticks: { stroke: 'rgba(255,255,255,0.12)', width: 1 },
  font: '11px system-ui, sans-serif',
};
