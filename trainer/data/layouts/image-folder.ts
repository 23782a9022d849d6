/**
 * ImageFolder class folders (torchvision convention): `<root>/<class>/*` or
 * `<root>/{train,val,test}/<class>/*`, nested folders inside a class allowed.
 * Class indices follow torchvision: class names sorted by code point (so
 * "10" sorts before "2"), here over the union of all splits so a label means
 * the same class in every split.
 */
import { describeListing, listFolder, byCodePoint } from './folder-survey.js';
import { classFolderWarnings, surveyClassFolders } from './class-folders.js';
import type { DetectorResult, FolderGroup } from './layout-types.js';

const EXPECTED = '<root>/<class>/<images> or <root>/{train,val,test}/<class>/<images>';

export async function detectImageFolder(root: string): Promise<DetectorResult> {
  const top = await listFolder(root);
  if (!top) return { matched: false, expected: EXPECTED, whyNot: 'the root is not a readable folder' };
  const splits = await surveyClassFolders(root, top);
  if (!splits) return { matched: false, expected: EXPECTED, whyNot: `no sub-folders holding images (root: ${describeListing(top)})` };

  const classNames = [...new Set(splits.flatMap((s) => s.classes))].sort(byCodePoint);
  const labelOf = new Map(classNames.map((name, index) => [name, index]));
  const groups: FolderGroup[] = splits.flatMap((s) =>
    s.classes.map((c) => ({ split: s.split, dir: s.dir === '' ? c : `${s.dir}/${c}`, label: labelOf.get(c) ?? null })),
  );
  const report = splits.map(
    (s) =>
      `${s.dir === '' ? 'the root' : `${s.dir}/`} holds ${s.classes.length} class folder(s) with images (${s.classes.slice(0, 6).join(', ')}${s.classes.length > 6 ? ', …' : ''}) → split "${s.split}"`,
  );
  if (splits.length === 1 && splits[0]?.dir === '') report.push('no train/val/test folders: all images form the single split "all"');
  report.push(`${classNames.length} classes, indexed in sorted folder-name order (torchvision ImageFolder convention)`);
  return {
    matched: true,
    detection: {
      kind: 'image-folder',
      title: 'Class folders (ImageFolder)',
      root,
      labelRole: 'class',
      classNames,
      splits: splits.map((s) => s.split),
      report,
      warnings: classFolderWarnings(splits),
      enumeration: { type: 'folders', groups },
    },
  };
}
