"""Spreadsheet imports, one feature: job-intention surveys and job postings.

- `reading`: an upload read as raw cells; `messages`: what is said of a file as a whole;
- `engine`: the flow every kind shares (read a file, find its header row and columns,
  check each row, plan against the database, write), and its messages;
- `rows`: the toolkit each kind of row is read with (columns, reference lists, a row
  reader collecting problems);
- `surveys`, `openings`: one module per kind of row, with its columns, parser, planner
  and writer;
- `store`: uploads kept between the pages; `workbooks`: the template and the rejected
  rows given back as XLSX;
- `pages`, `routes`: the upload, preview, mapping, confirm and cancel pages;
  `cli`: the ``qibu import-surveys`` and ``qibu import-openings`` commands.

Messy values (pay, places, dates, IDs) are parsed by `surveys.values`.
"""
