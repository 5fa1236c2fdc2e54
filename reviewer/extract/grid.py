"""A table as rows of cells: what every source of rows becomes before a form is read from it.

Text dumps (tabs, pipes, runs of spaces, one cell per line) and documents (.docx, .xlsx,
.xls, .html, PDF tables) are all turned into a `Grid`; one reader then finds the form's
parts in it by the text of its label cells. A cell keeps its text as written and where it
came from, so a warning or a grounding check can point at the source.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Cell:
    text: str  # as written; a line break inside the cell is kept as "\n"
    where: str = ""  # provenance: "line 12", "table 1 row 3 col 2", "Sheet1!C7", "page 2 table 1 r3c4"
    colspan: int = 1  # grid columns this cell covers (a horizontally merged cell)
    rowspan: int = 1  # grid rows this cell covers (a vertically merged cell)
    # For a position covered by a merged cell: (row, col) of the cell that covers it.
    # Its text is "" so that readers which expect text-dump behaviour (merged = empty)
    # see an empty field; readers that want the merged value follow `covered_by`.
    covered_by: tuple[int, int] | None = None
    # The text as written before clean-up (traditional script, inserted pinyin, comparator
    # spellings: reviewer.extract.cleanup), when clean-up changed it; "" when `text` is as written.
    original: str = ""
    # The position holds something that cannot be read (numbers written together, "310.2154.74"):
    # its text is "", but the column is taken, so no other cell of the row belongs in it.
    illegible: bool = False
    # Of an aligned grid (the text-to-grid reader's), a cell of a row whose every cell was written,
    # empty ones too (a funding row "年度资金总额 |  |  | 387664.62 | 10 | …" one cell a line):
    # the row was placed by position, so a cell's column is where it stands, as in a sheet.
    by_position: bool = False

    @property
    def empty(self) -> bool:
        return not self.text.strip()


@dataclass
class Grid:
    rows: list[list[Cell]] = field(default_factory=list)
    origin: str = ""  # how the rows were found: tabs, pipes, spaces, cells-per-line, docx, xlsx, xls, html, pdf
    name: str = ""  # the table's name in its document, when it has one (sheet name, "table 2")
    # What the reader of the source noticed, one sentence each, naming where: cells left empty
    # and why (numbers fused together, a row cut off), inferred boundaries, clean-up done.
    # A form read from this grid carries them as warnings.
    notes: list[str] = field(default_factory=list)
    # The rows were placed under their header by a reader of their own (the text-to-grid
    # reader), so a cell's position is evidence of its column beside what the cell holds.
    aligned: bool = False

    @property
    def width(self) -> int:
        return max((len(row) for row in self.rows), default=0)

    def texts(self) -> list[list[str]]:
        return [[c.text for c in row] for row in self.rows]

    def cell(self, r: int, c: int) -> Cell | None:
        row = self.rows[r] if 0 <= r < len(self.rows) else []
        return row[c] if 0 <= c < len(row) else None

    def resolved(self, r: int, c: int) -> str:
        """The text at (r, c), following a merged cell to the cell that covers it."""
        cell = self.cell(r, c)
        if cell is None:
            return ""
        if cell.covered_by is not None:
            origin = self.cell(*cell.covered_by)
            return origin.text if origin is not None else ""
        return cell.text

    def to_tsv(self) -> str:
        """Tab-separated lines, merged positions as empty fields, line breaks in a cell as spaces:
        the shape of a Word/Excel table export."""
        return "\n".join(
            "\t".join(c.text.replace("\t", " ").replace("\r", "").replace("\n", " ") for c in row).rstrip("\t")
            for row in self.rows
        )


_LEVEL_FIELDS = ("level1", "level2")


def category_points(fields: list[str | None]) -> frozenset[int]:
    """Header positions whose 分值 / 权重 label heads a category's points, not the indicators':
    a rubric written 一级指标 | 分值 | 二级指标 | 分值 | 三级指标 | 分值 … gives each level its own
    分值 column, right of the level, and the indicator's is the last one. A weight label right
    of a level column is the category's when another weight label follows it."""
    weights = [k for k, f in enumerate(fields) if f == "weight"]
    if len(weights) < 2:
        return frozenset()
    return frozenset(k for k in weights[:-1] if k > 0 and fields[k - 1] in _LEVEL_FIELDS)
