/** Layers: the building blocks of every sequence model, named and laid out as in PyTorch. */
export { Module } from './module.js';
export { Linear, Embedding, LayerNorm, Dropout, Conv1d, MaxPool1d } from './layers.js';
export { uniformParam, normalParam, xavierUniformParam, constantParam } from './init.js';
export { FfnWindow, defaultFfnWindowConfig, type FfnWindowConfig } from './window.js';
export { RecurrentCell, RnnCell, GruCell, LstmCell, type CellState, type CellStep, type RnnNonlinearity } from './cells.js';
export { scan, type ScanOptions, type ScanResult } from './scan.js';
export {
  Rnn, Gru, Lstm, RecurrentStack, defaultRnnConfig, defaultGruConfig, defaultLstmConfig,
  type RecurrentConfig, type RnnConfig, type GruConfig, type LstmConfig, type RecurrentInput, type RecurrentOutput,
  type LstmInput, type LstmOutput,
} from './recurrent.js';
export { AdditiveAttention, DotAttention, GeneralAttention, type AttentionOutput } from './attention.js';
export { MultiHeadAttention, causalMask, type AttentionMasks, type MultiHeadOutput, type ProjectedKeyValue } from './multihead.js';
export {
  TransformerEncoderLayer, TransformerDecoderLayer, TransformerEncoder, TransformerDecoder,
  defaultTransformerLayerConfig, defaultTransformerConfig, type TransformerLayerConfig, type TransformerConfig,
  type EncoderMasks, type DecoderMasks, Transformer, defaultEncoderDecoderConfig, type EncoderDecoderConfig,
  type TransformerMasks, type AttentionCache, type DecoderCache,
} from './transformer.js';
export { SinusoidalPositionalEncoding, LearnedPositionalEncoding, sinusoidalTable } from './positional.js';
