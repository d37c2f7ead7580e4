import type { Linter } from 'eslint';

export declare const importBoundaries: Linter.Config[];
