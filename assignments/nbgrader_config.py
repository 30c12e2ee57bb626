"""nbgrader's configuration of the convolution course. Run nbgrader commands in this folder.

The course folders are relative to this file: source/ (the instructor's notebooks, generated
from convolution/assignment.toml by `grader notebook`), release/ (what students receive),
submitted/ (one <student>/<assignment>/ folder each), autograded/ and feedback/. The gradebook
is gradebook.db here. `grader grade --course-dir assignments` writes the grader's scores
into it.
"""

import os

c = get_config()  # noqa: F821 (provided by nbgrader when it reads this file)

c.CourseDirectory.course_id = "convolution-course"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
