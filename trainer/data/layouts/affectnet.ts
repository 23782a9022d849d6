/**
 * AffectNet-7 as built by the FRA reference's `data/affectnet.py`
 * (fra-spec §7.1): an ImageFolder `<root>/{train,val}/{0..6}` where the folder
 * number is the expression code. The names come from AffectNet's coding, not
 * from the folders, so class 0 is Neutral even if folder 0 is missing.
 */
import { describeListing, listFolder } from './folder-survey.js';
import { classFolderWarnings, surveyClassFolders } from './class-folders.js';
import type { DetectorResult, FolderGroup } from './layout-types.js';

export const AFFECTNET7_CLASS_NAMES = ['Neutral', 'Happiness', 'Sadness', 'Surprise', 'Fear', 'Disgust', 'Anger'] as const;

const EXPECTED = '<root>/{train,val}/{0..6}/<images> (AffectNet-7 expression codes)';

export async function detectAffectNet7(root: string): Promise<DetectorResult> {
  const top = await listFolder(root);
  if (!top) return { matched: false, expected: EXPECTED, whyNot: 'the root is not a readable folder' };
  const splits = await surveyClassFolders(root, top);
  if (!splits || splits.every((s) => s.dir === '')) {
    return { matched: false, expected: EXPECTED, whyNot: `no train/ or val/ folder of class folders (root: ${describeListing(top)})` };
  }
  const codes = new Set(AFFECTNET7_CLASS_NAMES.map((_, i) => String(i)));
  for (const s of splits) {
    const foreign = s.classes.filter((c) => !codes.has(c));
    if (foreign.length > 0) {
      const hint = foreign.includes('7') ? ' (folder 7 = contempt: that is AffectNet-8, indexed as plain class folders)' : '';
      return { matched: false, expected: EXPECTED, whyNot: `${s.dir}/ has class folders other than 0..6: ${foreign.slice(0, 5).join(', ')}${hint}` };
    }
  }
  const groups: FolderGroup[] = splits.flatMap((s) => s.classes.map((c) => ({ split: s.split, dir: `${s.dir}/${c}`, label: Number(c) })));
  const report = splits.map((s) => `${s.dir}/ holds expression folders ${s.classes.join(', ')} → split "${s.split}"`);
  report.push(`folder numbers are AffectNet expression codes: ${AFFECTNET7_CLASS_NAMES.map((n, i) => `${i} ${n}`).join(', ')} (fra-spec §7.1)`);
  if (!splits.some((s) => s.split.toLowerCase() === 'val')) report.push('note: the FRA protocol evaluates AffectNet-7 on val/, which is absent here');
  return {
    matched: true,
    detection: {
      kind: 'affectnet-7',
      title: 'AffectNet-7 expression folders',
      root,
      labelRole: 'class',
      classNames: [...AFFECTNET7_CLASS_NAMES],
      splits: splits.map((s) => s.split),
      report,
      warnings: classFolderWarnings(splits),
      enumeration: { type: 'folders', groups },
    },
  };
}
