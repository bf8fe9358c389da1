"""The job information corner (就业信息发布角): the weekly job bulletin, the employment
handbook (就业一本通) and the skills courses that open more openings.

Facilities have no internet, so jobs reach people on paper: every page here also prints.
"""
