import { checksum, documentId, sectionId } from '../domain/ids.js';
import { readableText, terms } from '../domain/text.js';
import type { DocumentRecord, SectionRecord } from '../domain/types.js';
import type { Extraction } from '../extract/extract.js';
import { estimateTokens, type ParsedDocument } from '../parse/model.js';

export interface DocumentRecords {
  document: DocumentRecord;
  sections: SectionRecord[];
  /** Per section id: the text the embedder sees (heading path + body). */
  embedText: Map<string, string>;
  lexical: Map<string, { heading: string; context: string; body: string }>;
  /**
   * The document's entities and edges but its links (extract/extractContent),
   * found where it was parsed; the job adds the links (withLinks), which need
   * the other documents. Absent: the job extracts it all.
   */
  content?: Extraction;
}

/**
 * Turns a parsed document into store records with deterministic ids (DESIGN
 * §4). A section's checksum covers exactly what is embedded, so an unchanged
 * section keeps its vector when its document changes.
 */
export function toRecords(sourceId: string, parsed: ParsedDocument, fileChecksum: string, bytes: number, indexedAt: string): DocumentRecords {
  const docId = documentId(sourceId, parsed.uri);
  const seen = new Map<string, number>();
  const ids: string[] = [];
  const sections: SectionRecord[] = [];
  const embedText = new Map<string, string>();
  const lexical = new Map<string, { heading: string; context: string; body: string }>();
  parsed.sections.forEach((s, seq) => {
    const key = s.headingPath.join('\u001f');
    const ordinal = seen.get(key) ?? 0;
    seen.set(key, ordinal + 1);
    const id = sectionId(docId, s.headingPath, ordinal);
    ids.push(id);
    const text = embedTextOf(s.headingPath, parsed.title, s.text);
    sections.push({
      id,
      docId,
      parentId: s.parent >= 0 ? ids[s.parent]! : null,
      seq,
      ordinal,
      level: s.level,
      heading: s.heading,
      anchor: s.anchor,
      aliases: s.aliases,
      headingPath: s.headingPath,
      text: s.text,
      part: s.part,
      tokens: estimateTokens(s.text),
      checksum: checksum(text),
      links: s.links,
    });
    embedText.set(id, text);
    const heading = s.headingPath[s.headingPath.length - 1] ?? '';
    const context = [parsed.title, ...s.headingPath.slice(0, -1)].join(' ');
    lexical.set(id, { heading: terms(heading).join(' '), context: terms(context).join(' '), body: terms(readableText(s.text)).join(' ') });
  });
  const document: DocumentRecord = {
    id: docId,
    sourceId,
    uri: parsed.uri,
    title: parsed.title,
    format: parsed.format,
    checksum: fileChecksum,
    bytes,
    meta: parsed.meta,
    indexedAt,
  };
  return { document, sections, embedText, lexical };
}

/** What the embedder sees for a section: its heading path (or the title) and its body. */
export function embedTextOf(headingPath: readonly string[], title: string, body: string): string {
  const path = headingPath.length > 0 ? headingPath : [title];
  return `${path.join(' > ')}\n\n${readableText(body)}`;
}
