/**
 * A generated section of README.md: from a marker comment to a fixed last
 * line. The scripts that generate one (the configuration reference here, the
 * functions table in dagger/scripts) read and replace it with these, and their
 * unit tests compare it with what the code gives.
 */
import { readFileSync, writeFileSync } from "node:fs";

/** Where a generated section starts and ends. */
export interface ReadmeSection {
  /** The comment line that precedes the section, naming the command that writes it. */
  marker: string;
  /** The section's last line (kept by the generator, so the end can be found). */
  lastLine: string;
}

/**
 * The section as the README has it now (after the marker, through its last line), or undefined.
 *
 * @param readme the README's text
 * @param section its marker and last line
 */
export function readmeSection(readme: string, section: ReadmeSection): string | undefined {
  const start = readme.indexOf(section.marker);
  if (start < 0) return undefined;
  const from = start + section.marker.length + 1;
  const end = readme.indexOf(section.lastLine, from);
  return end < 0 ? undefined : readme.slice(from, end + section.lastLine.length);
}

/**
 * Replaces the section in the README file with `content`.
 *
 * @param path the README file
 * @param section its marker and last line
 * @param content the new section, ending with its last line
 * @throws Error saying where to put the marker when the README has no such section
 */
export function writeReadmeSection(path: string, section: ReadmeSection, content: string): void {
  const readme = readFileSync(path, "utf8");
  const old = readmeSection(readme, section);
  if (old === undefined)
    throw new Error(
      `${path} has no section after ${section.marker}: put the marker where it goes, followed by a line "${section.lastLine}"`,
    );
  writeFileSync(
    path,
    readme.replace(old, () => content),
  );
}
