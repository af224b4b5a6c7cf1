import { CartesianGrid, Tooltip, XAxis, YAxis } from 'recharts';

export const CHART_MARGIN = { top: 10, right: 24, bottom: 20, left: 10 };

/** Grid, labelled axes and tooltip of the result charts (an array: recharts reads its chart's direct children). */
export function labelledAxes(xKey: string, xLabel: string, yLabel: string): React.JSX.Element[] {
  return [
    <CartesianGrid key="grid" strokeDasharray="3 3" />,
    <XAxis key="x" dataKey={xKey} label={{ value: xLabel, position: 'insideBottom', offset: -10 }} />,
    <YAxis key="y" label={{ value: yLabel, angle: -90, position: 'insideLeft' }} />,
    <Tooltip key="tip" />,
  ];
}
