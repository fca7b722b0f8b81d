/**
 * Example inputs for the sequence view, each for one bundled biology model (catalog.ts).
 *
 * - DNA: 60-nt windows (30 nt either side of a candidate junction) from the UCI "Molecular
 *   Biology (Splice-junction Gene Sequences)" dataset (Noordewier, Towell & Shavlik 1991; UCI
 *   Machine Learning Repository #69), licensed CC BY 4.0. The rows are from the test part of
 *   fold 1 of scripts/bio-splits.ts; each header is `>name label`, the label as the dataset gives it.
 * - Protein: chains of the NEW364 test set in FLIP's secondary-structure splits of the
 *   NetSurfP-2.0 data (Klausen et al. 2019; FLIP, Dallago et al. 2021), licensed AFL-3.0; the
 *   structures come from the PDB (CC0). Headers are `>PDB id-chain`.
 */

export interface BioExample {
  id: string;
  label: string;
  /** The bundled model it is for (catalog.ts BIO_MODELS). */
  model: string;
  fasta: string;
}

const SPLICE = {
  ei1: '>ATRINS-DONOR-905 EI\nAGACCCGCCGGGAGGCGGAGGACCTGCAGGGTGAGCCCCACCGCCCCTCCGTGCCCCCGC\n',
  ei2: '>HUMACCYBA-DONOR-2504 EI\nCTGAGGCACTCTTCCAGCCTTCCTTCCTGGGTGAGTGGAGACTGTCTCCCGGCTCTGCCT\n',
  ie1: '>HUMA1ATP-ACCEPTOR-11880 IE\nACAACGTGTCTCTGCTTCTCTCCCCTCCAGGCCGTGCATAAGGCTGTGCTGACCATCGAC\n',
  ie2: '>HUMACCYBA-ACCEPTOR-1384 IE\nGCTCAGGGCTTCTTGTCCTTTCCTTCCCAGGGCGTGATGGTGGGCATGGGTCAGAAGGAT\n',
  n1: '>ATRINS-NEG-841 N\nGGCCCCCACCTGGTGGAAGCCCTCTACCTGGTGTGCGGGGAGCGAGGTTTCTTCTACGCA\n',
  n2: '>CHPMHCBAA-NEG-841 N\nTACACCTGCCATGTGCAGCATGAGGGTCTGCCCAAGCCCCTCACCCTGAGATGGGAGCCG\n',
};

const PROTEIN = {
  alphaBeta: '>6jhz-A\nMRVIVFFDLPVITPENRHNYSVFRKYLIKSGFIMQQKSVYSKLVLNLTNRDSIVKSIEKNKPPEGLVEVLTVTEKQYAKMEIIIGESKTEYLN\n',
  alpha: '>6jmu-B\nGPGSEFLDGDLDPGLPSTEDVILKTEQVTKNIQELLRAAQEFKHDSFVPCSEKIHLAVTEMASLFPKRPALEPVRSSLRLLNASAYRLQSECRKTVPPEPGAPVDFQLLTQQVIQCAYDIAKAAKQLVTITTREKKQ\n',
};

export const BIO_EXAMPLES: readonly BioExample[] = [
  { id: 'donor', label: 'Splice donor, exon→intron (EI)', model: 'splice-sites', fasta: SPLICE.ei1 },
  { id: 'acceptor', label: 'Splice acceptor, intron→exon (IE)', model: 'splice-sites', fasta: SPLICE.ie1 },
  { id: 'neither', label: 'Neither (N)', model: 'splice-sites', fasta: SPLICE.n1 },
  { id: 'splice-six', label: 'Six windows: two of each class', model: 'splice-sites', fasta: Object.values(SPLICE).join('') },
  { id: 'alpha-beta', label: 'Protein 6jhz-A, helices and strands (93 residues)', model: 'protein-ss', fasta: PROTEIN.alphaBeta },
  { id: 'alpha', label: 'Protein 6jmu-B, mostly helix (137 residues)', model: 'protein-ss', fasta: PROTEIN.alpha },
];
