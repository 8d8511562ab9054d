import type { Operation } from '../../api/operation.js';
import { explainErrorOp } from './explain-error.js';
import { getDocumentOp } from './get-document.js';
import { getProcedureOp } from './get-procedure.js';
import { getSectionOp } from './get-section.js';
import { indexStatusOp, listSourcesOp } from './index-info.js';
import { listLibrariesOp, resolveLibraryOp } from './libraries.js';
import { lookupEntityOp } from './lookup-entity.js';
import { searchDocsOp } from './search-docs.js';
import { traverseOp } from './traverse.js';

/** The read operations, in the order MCP lists them as tools; REST mounts each under /v1 too (http/rest.ts). */
export const READ_OPERATIONS: readonly Operation[] = [searchDocsOp, getSectionOp, getDocumentOp, listSourcesOp, listLibrariesOp, resolveLibraryOp, indexStatusOp, lookupEntityOp, explainErrorOp, getProcedureOp, traverseOp] as readonly Operation[];
