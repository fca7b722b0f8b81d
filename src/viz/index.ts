/**
 * seqlab's diagrams: pure functions from trace data to an SVG string, the same in Node and the
 * browser, shaped like Observable Plot's marks: `(data, options) => string`.
 */
export { lossCurve, type CurveSeries, type LossCurveOptions } from './loss-curve.js';
export { unrolledRnn, type UnrolledRnnData, type UnrolledRnnOptions, type UnrolledRow } from './unrolled-rnn.js';
export { gateHeatmap, type GateHeatmapData, type GateHeatmapOptions } from './gate-heatmap.js';
export { alignmentMatrix, type AlignmentData, type AlignmentOptions } from './alignment-matrix.js';
export { attentionHeads, type AttentionHeadsData, type AttentionHeadsOptions, type AttentionLayer } from './attention-heads.js';
export { sequenceTrack, type SequenceTrackData, type SequenceTrackOptions, type Track, type Region } from './sequence-track.js';
export { modelDiagram, type ModelDiagramConfig, type ModelDiagramOptions } from './model-diagram.js';
export { explanationDiagrams, type Diagram, type ExplanationDiagramOptions } from './explanation-diagrams.js';
export { colorLegend, swatchLegend } from './legend.js';
export { magnitudeMap, signedMap, categoryColors, ticks, type ColorMap } from './scales.js';
export { esc, svgDoc, textWidth, tokenLabel } from './svg.js';
export { lagChart, type LagPoint, type LagChartOptions } from './lag-chart.js';
export { sequenceLogo, type SequenceLogoData, type SequenceLogoOptions } from './sequence-logo.js';
